import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGGREGATIONS } from '../../../src/db/schema/metrics';
import { CSV_CONTENT_TYPE } from '../../../src/http/tabular';
import { MetricSeriesSchema, type MetricSeries } from '../../../src/modules/metric-series/metric-series.schemas';
import { makeApp, type TestApp } from '../../helpers/app';
import { createKey, createMetric, type CreatedKey } from '../../helpers/factories';
import { expectProblem } from '../../helpers/problems';
import { parseCsv, patchMetric, record, startedInitiative, voidMeasurement } from './fixture';

/**
 * Observations on four days: two ISO weeks (Mon 2026-01-26 and Mon 2026-02-02) and two months,
 * since the week of 2026-01-26 runs into February. Team A logs 1, 2, 4, 8, 16; team B 32, 64.
 */
const OBSERVATIONS = [
  { team: 'A', at: '2026-01-27T10:00:00.000Z', value: 1 },
  { team: 'A', at: '2026-01-27T11:00:00.000Z', value: 2 },
  { team: 'B', at: '2026-01-27T12:00:00.000Z', value: 32 },
  { team: 'A', at: '2026-01-31T10:00:00.000Z', value: 4 },
  { team: 'A', at: '2026-02-01T10:00:00.000Z', value: 8 },
  { team: 'B', at: '2026-02-03T08:00:00.000Z', value: 64 },
  { team: 'A', at: '2026-02-03T10:00:00.000Z', value: 16 },
] as const;

// Week 2026-01-26 holds 1, 2, 32, 4, 8 (5 values); week 2026-02-02 holds 64, 16 (2 values).
// January holds 1, 2, 32, 4; February 8, 64, 16. The latest is the last observed, whatever the team.
const WEEKS: Record<(typeof AGGREGATIONS)[number], [number, number]> = {
  sum: [1 + 2 + 32 + 4 + 8, 64 + 16], // 47, 80
  average: [47 / 5, 80 / 2],
  min: [1, 16],
  max: [32, 64],
  latest: [8, 16], // 2026-02-01T10:00 (8); 2026-02-03T10:00 (16) after 08:00 (64)
};
const MONTHS: Record<(typeof AGGREGATIONS)[number], [number, number]> = {
  sum: [1 + 2 + 32 + 4, 8 + 64 + 16], // 39, 88
  average: [39 / 4, 88 / 3],
  min: [1, 8],
  max: [32, 64],
  latest: [4, 16], // 2026-01-31 (4); 2026-02-03T10:00 (16)
};

let t: TestApp;
let a: Awaited<ReturnType<typeof startedInitiative>>;
let b: Awaited<ReturnType<typeof startedInitiative>>;
const metricOf: Record<string, string> = {};
let viewer: CreatedKey;

async function observe(metric: string) {
  for (const o of OBSERVATIONS) {
    await record(t, { metric, initiative: (o.team === 'A' ? a : b).initiative.key, value: o.value, observed_at: o.at });
  }
}

beforeAll(async () => {
  t = await makeApp();
  // Both v1s start on 2026-01-05 (the clock's start); everything is logged on 2026-02-06.
  a = await startedInitiative(t);
  b = await startedInitiative(t);
  viewer = await createKey(t, 'viewer');
  t.clock.set('2026-02-06T12:00:00.000Z');
  for (const aggregation of AGGREGATIONS) {
    metricOf[aggregation] = (await createMetric(t, { aggregation, unit: 'number' })).key;
    await observe(metricOf[aggregation]);
  }
});
afterAll(() => t.close());

async function series(key: string, query = ''): Promise<MetricSeries> {
  const res = await t.call({ method: 'GET', url: `/v1/metrics/${key}/series${query}` });
  expect(res.statusCode, res.body).toBe(200);
  return MetricSeriesSchema.parse(res.json());
}
const pointsOf = (s: MetricSeries, version = 1) => s.series.find((d) => d.definition_version === version)!.points;

describe('GET /v1/metrics/{key}/series', () => {
  it.each(AGGREGATIONS)('combines the daily rollups by the aggregation (%s), per ISO week by default and per month', async (aggregation) => {
    const weekly = await series(metricOf[aggregation]!);
    expect(weekly).toMatchObject({ interval: 'week', from: null, to: null, team: null, initiative: null });
    expect(weekly.series).toHaveLength(1);
    expect(weekly.series[0]).toMatchObject({ definition_version: 1, current: true, aggregation, unit: 'number', direction: 'increase' });
    expect(pointsOf(weekly)).toEqual([
      { bucket: '2026-01-26', value: WEEKS[aggregation][0], count: 5 },
      { bucket: '2026-02-02', value: WEEKS[aggregation][1], count: 2 },
    ]);
    expect(pointsOf(await series(metricOf[aggregation]!, '?interval=month'))).toEqual([
      { bucket: '2026-01-01', value: MONTHS[aggregation][0], count: 4 },
      { bucket: '2026-02-01', value: MONTHS[aggregation][1], count: 3 },
    ]);
  });

  it('per day, the latest of a day is its last observation across iterations', async () => {
    expect(pointsOf(await series(metricOf.sum!, '?interval=day'))).toEqual([
      { bucket: '2026-01-27', value: 35, count: 3 }, // 1 + 2 + 32
      { bucket: '2026-01-31', value: 4, count: 1 },
      { bucket: '2026-02-01', value: 8, count: 1 },
      { bucket: '2026-02-03', value: 80, count: 2 }, // 64 + 16
    ]);
    expect(pointsOf(await series(metricOf.latest!, '?interval=day')).map((p) => p.value)).toEqual([32, 4, 8, 16]);
  });

  it('breaks a tie of observation times by the later recorded measurement, across iterations', async () => {
    const key = (await createMetric(t, { aggregation: 'latest', unit: 'number' })).key;
    const at = '2026-02-04T10:00:00.000Z';
    await record(t, { metric: key, initiative: a.initiative.key, value: 5, observed_at: at });
    await record(t, { metric: key, initiative: b.initiative.key, value: 7, observed_at: at });
    await record(t, { metric: key, initiative: a.initiative.key, value: 1, observed_at: '2026-02-04T09:00:00.000Z' });
    expect(pointsOf(await series(key, '?interval=day'))).toEqual([{ bucket: '2026-02-04', value: 7, count: 3 }]);
    await record(t, { metric: key, initiative: a.initiative.key, value: 3, observed_at: at });
    expect(pointsOf(await series(key))).toEqual([{ bucket: '2026-02-02', value: 3, count: 4 }]);
  });

  it('filters by team and initiative (key or id), and 404s an unknown one', async () => {
    const teamA = await series(metricOf.sum!, `?team=${a.team.key}`);
    expect(teamA.team).toEqual({ id: a.team.id, key: a.team.key });
    expect(pointsOf(teamA)).toEqual([
      { bucket: '2026-01-26', value: 15, count: 4 }, // 1 + 2 + 4 + 8
      { bucket: '2026-02-02', value: 16, count: 1 },
    ]);
    const initiativeB = await series(metricOf.sum!, `?interval=month&initiative=${b.initiative.id}`);
    expect(initiativeB.initiative).toEqual({ id: b.initiative.id, key: b.initiative.key });
    expect(pointsOf(initiativeB)).toEqual([
      { bucket: '2026-01-01', value: 32, count: 1 },
      { bucket: '2026-02-01', value: 64, count: 1 },
    ]);
    // Both filters: team A's initiative B holds nothing.
    expect(pointsOf(await series(metricOf.sum!, `?team=${a.team.key}&initiative=${b.initiative.key}`))).toEqual([]);
    expectProblem(await t.call({ method: 'GET', url: `/v1/metrics/${metricOf.sum}/series?team=no-such-team` }), 404, 'not_found');
    expectProblem(await t.call({ method: 'GET', url: `/v1/metrics/${metricOf.sum}/series?initiative=no-such-initiative` }), 404, 'not_found');
    expectProblem(await t.call({ method: 'GET', url: '/v1/metrics/no_such_metric/series' }), 404, 'not_found');
  });

  it('selects whole UTC days: from inclusive, to exclusive; a timestamp takes its whole day', async () => {
    const days = await series(metricOf.sum!, '?from=2026-01-31&to=2026-02-03');
    expect(days).toMatchObject({ from: '2026-01-31', to: '2026-02-03' });
    expect(pointsOf(days)).toEqual([{ bucket: '2026-01-26', value: 12, count: 2 }]); // 4 + 8; 2026-02-03 left out
    const stamps = await series(metricOf.sum!, '?interval=day&from=2026-01-27T23:00:00Z&to=2026-02-01T00:00:00Z');
    expect(stamps).toMatchObject({ from: '2026-01-27', to: '2026-02-01' });
    expect(pointsOf(stamps).map((p) => p.bucket)).toEqual(['2026-01-27', '2026-01-31']);
    // A second past midnight, to takes its day; an offset is read in UTC (2026-02-01T01:00+02:00 is 2026-01-31T23:00Z).
    expect(pointsOf(await series(metricOf.sum!, '?interval=day&to=2026-02-01T00:00:01Z')).map((p) => p.bucket)).toContain('2026-02-01');
    expect(pointsOf(await series(metricOf.sum!, '?interval=day&to=2026-02-01T01:00:00%2B02:00')).map((p) => p.bucket)).toEqual(['2026-01-27', '2026-01-31']);
  });

  it('refuses a bad interval or bound, and a to not after from, naming the parameter', async () => {
    const bad = expectProblem(await t.call({ method: 'GET', url: `/v1/metrics/${metricOf.sum}/series?interval=year&from=yesterday` }), 400, 'validation_failed');
    expect(bad.errors?.map((e) => e.path).sort()).toEqual(['query.from', 'query.interval']);
    const backwards = expectProblem(await t.call({ method: 'GET', url: `/v1/metrics/${metricOf.sum}/series?from=2026-02-01&to=2026-02-01` }), 400, 'validation_failed');
    expect(backwards.errors?.map((e) => e.path)).toEqual(['query.to']);
  });

  it('keeps one series per definition version, never mixing them', async () => {
    const key = (await createMetric(t, { aggregation: 'sum', unit: 'number' })).key;
    await record(t, { metric: key, initiative: a.initiative.key, value: 1, observed_at: '2026-01-27T10:00:00Z' });
    await record(t, { metric: key, initiative: a.initiative.key, value: 4, observed_at: '2026-01-31T10:00:00Z' });
    await record(t, { metric: key, initiative: a.initiative.key, value: 100, observed_at: '2026-02-02T10:00:00Z' });
    await patchMetric(t, key, { aggregation: 'max' });
    await record(t, { metric: key, initiative: a.initiative.key, value: 16, observed_at: '2026-02-03T10:00:00Z' });
    await record(t, { metric: key, initiative: b.initiative.key, value: 2, observed_at: '2026-02-03T11:00:00Z' });
    const s = await series(key);
    expect(s.metric.definition_version).toBe(2);
    expect(s.series.map((d) => [d.definition_version, d.aggregation, d.current])).toEqual([
      [1, 'sum', false],
      [2, 'max', true],
    ]);
    expect(pointsOf(s, 1)).toEqual([
      { bucket: '2026-01-26', value: 5, count: 2 }, // sum of 1 and 4
      { bucket: '2026-02-02', value: 100, count: 1 }, // v1's 100 alone
    ]);
    expect(pointsOf(s, 2)).toEqual([{ bucket: '2026-02-02', value: 16, count: 2 }]); // max of 16 and 2, without v1's 100

    const csv = await t.call({ method: 'GET', url: `/v1/metrics/${key}/series.csv` });
    expect(csv.headers['content-type']).toBe(CSV_CONTENT_TYPE);
    expect(csv.body).toBe(
      'metric,definition_version,interval,bucket,value,count,unit,currency_code,direction,aggregation\r\n' +
        `${key},1,week,2026-01-26,5,2,number,,increase,sum\r\n` +
        `${key},1,week,2026-02-02,100,1,number,,increase,sum\r\n` +
        `${key},2,week,2026-02-02,16,2,number,,increase,max\r\n`,
    );
  });

  it('counts live measurements only: a void empties its day, a supersede replaces the value', async () => {
    const key = (await createMetric(t, { aggregation: 'sum', unit: 'number' })).key;
    await record(t, { metric: key, initiative: a.initiative.key, value: 1, observed_at: '2026-01-27T10:00:00Z' });
    const wrong = await record(t, { metric: key, initiative: a.initiative.key, value: 4, observed_at: '2026-01-31T10:00:00Z' });
    const old = await record(t, { metric: key, initiative: a.initiative.key, value: 8, observed_at: '2026-02-01T10:00:00Z' });
    expect(pointsOf(await series(key, '?interval=day')).map((p) => p.value)).toEqual([1, 4, 8]);
    expect(pointsOf(await series(key))).toEqual([{ bucket: '2026-01-26', value: 13, count: 3 }]);

    await voidMeasurement(t, wrong.id);
    await record(t, { metric: key, initiative: a.initiative.key, value: 9, observed_at: '2026-02-01T10:00:00Z', supersedes: old.id });
    // The cached answers were dropped by the writes: 2026-01-31 has no live value left, 9 replaces 8.
    expect(pointsOf(await series(key, '?interval=day'))).toEqual([
      { bucket: '2026-01-27', value: 1, count: 1 },
      { bucket: '2026-02-01', value: 9, count: 1 },
    ]);
    expect(pointsOf(await series(key))).toEqual([{ bucket: '2026-01-26', value: 10, count: 2 }]);
  });

  it('lists a definition without measurements with no points', async () => {
    const key = (await createMetric(t)).key;
    expect((await series(key)).series).toEqual([expect.objectContaining({ definition_version: 1, points: [] })]);
  });

  it('answers CSV rows that match the JSON points, each form with its own ETag and 304', async () => {
    const urls = [`/v1/metrics/${metricOf.average}/series?interval=month`, `/v1/metrics/${metricOf.average}/series?interval=month&format=csv`];
    const [json, csv] = await Promise.all(urls.map((url) => t.call({ method: 'GET', url })));
    if (!json || !csv) throw new Error('no response');
    const body = MetricSeriesSchema.parse(json.json());
    expect(parseCsv(csv.body)).toEqual(
      body.series.flatMap((d) =>
        d.points.map((p) => ({
          metric: body.metric.key,
          definition_version: String(d.definition_version),
          interval: 'month',
          bucket: p.bucket,
          value: String(p.value),
          count: String(p.count),
          unit: 'number',
          currency_code: '',
          direction: 'increase',
          aggregation: 'average',
        })),
      ),
    );
    expect(csv.headers.etag).not.toBe(json.headers.etag);
    for (const [url, res] of [[urls[0], json], [urls[1], csv]] as const) {
      const again = await t.call({ method: 'GET', url, headers: { 'if-none-match': String(res.headers.etag) } });
      expect(again.statusCode).toBe(304);
      expect(again.body).toBe('');
    }
  });

  it('takes a viewer key as access_token, and refuses an editor or admin key there', async () => {
    const url = `/v1/metrics/${metricOf.max}/series.csv`;
    const ok = await t.call({ method: 'GET', url: `${url}?access_token=${viewer.secret}`, key: null });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.body.split('\r\n')[1]).toBe(`${metricOf.max},1,week,2026-01-26,32,5,number,,increase,max`);
    const editor = await createKey(t, 'editor', [a.team.key]);
    expectProblem(await t.call({ method: 'GET', url: `${url}?access_token=${editor.secret}`, key: null }), 401, 'unauthorized');
    expectProblem(await t.call({ method: 'GET', url: `${url}?access_token=${t.adminKey}`, key: null }), 401, 'unauthorized');
  });
});
