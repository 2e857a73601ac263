import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CSV_CONTENT_TYPE } from '../../../src/http/tabular';
import { PROGRESS_COLUMNS, ProgressExport, type ProgressExportRow } from '../../../src/modules/exports/exports.schemas';
import { makeApp, type TestApp } from '../../helpers/app';
import { expectProblem } from '../../helpers/problems';
import { buildFixture, expectSameTable, NOW, type Fixture } from './exports.fixture';

let t: TestApp;
let f: Fixture;
beforeAll(async () => {
  t = await makeApp();
  f = await buildFixture(t);
});
afterAll(() => t.close());
beforeEach(() => t.clock.set(NOW));

const get = (query = '', headers: Record<string, string> = {}) => t.call({ method: 'GET', url: `/v1/exports/progress${query}`, headers });
async function rows(query = ''): Promise<ProgressExportRow[]> {
  const res = await get(query);
  expect(res.statusCode, res.body).toBe(200);
  return ProgressExport.parse(res.json());
}
/** Each row as initiative/version/metric. */
const names = async (query = '') => (await rows(query)).map((r) => `${r.initiative}/v${r.version}/${r.metric ?? '-'}`);

const noMetric = { metric: null, definition_version: null, unit: null, direction: null, aggregation: null, baseline: null, target: null, current: null, measurements_count: null, progress: null, metric_health: null };

describe('GET /v1/exports/progress', () => {
  it('lists one row per (version, tracked metric), computed from the rollups; a version tracking none once', async () => {
    const body = await rows();
    const v1 = {
      team: 'revops', theme: 'pipeline', initiative: 'lead-scoring', iteration_id: f.leadScoring.v1, version: 1, status: 'under_construction',
      planned_start: '2026-01-05T00:00:00.000Z', planned_end: '2026-01-15T00:00:00.000Z', started_at: '2026-01-05T09:00:00.000Z',
      closed_at: null, abandoned_at: null, decision: null, health: 'at_risk', definition_version: 1,
    };
    // Elapsed share at 01-08T09:00 of the box 01-05T00:00 -> 01-15T00:00: 81 h / 240 h = 0.3375.
    expect(body).toEqual([
      // Team field-sales sorts first. deal-desk v1 tracks nothing: one row, metric columns empty.
      {
        team: 'field-sales', theme: null, initiative: 'deal-desk', iteration_id: f.dealDesk.v1, version: 1, status: 'closed',
        planned_start: null, planned_end: null, started_at: '2026-01-05T09:00:00.000Z', closed_at: NOW, abandoned_at: null,
        decision: 'pivot', health: null, ...noMetric,
      },
      // average(29, 28) = 28.5; (28.5 - 30) / (20 - 30) = 0.15: below 0.3375 - 0.10, not below 0.3375 - 0.25 -> at_risk.
      { ...v1, metric: 'cycle_days', unit: 'days', direction: 'decrease', aggregation: 'average', baseline: 30, target: 20, current: 28.5, measurements_count: 2, progress: 0.15, metric_health: 'at_risk' },
      // sum(5, 8, 7) = 20 (9 superseded, 100 voided, 3 is deal-desk's); 20 / 40 = 0.5 >= 0.2375 -> on_track.
      { ...v1, metric: 'demos', unit: 'count', direction: 'increase', aggregation: 'sum', baseline: 0, target: 40, current: 20, measurements_count: 3, progress: 0.5, metric_health: 'on_track' },
      { ...v1, metric: 'win_rate', unit: 'ratio', direction: 'increase', aggregation: 'latest', baseline: 0.2, target: 0.3, current: null, measurements_count: 0, progress: null, metric_health: 'no_data' },
      {
        team: 'revops', theme: 'pipeline', initiative: 'lead-scoring', iteration_id: f.leadScoring.v2, version: 2, status: 'planned',
        planned_start: '2026-01-15T00:00:00.000Z', planned_end: '2026-01-25T00:00:00.000Z', started_at: null, closed_at: null, abandoned_at: null,
        decision: null, health: null, ...noMetric,
      },
    ]);
    expect(body.map((r) => Object.keys(r))).toEqual(body.map(() => PROGRESS_COLUMNS));
  });

  it('agrees with GET /v1/iterations/{id}/metrics', async () => {
    const tracked = (await t.call({ method: 'GET', url: `/v1/iterations/${f.leadScoring.v1}/metrics` })).json() as {
      data: Array<{ metric: { key: string }; current: number | null; progress: number | null; health: string; measurements_count: number }>;
    };
    const exported = (await rows('?initiative=lead-scoring')).filter((r) => r.version === 1);
    expect(exported.map((r) => [r.metric, r.current, r.progress, r.metric_health, r.measurements_count])).toEqual(
      tracked.data.map((m) => [m.metric.key, m.current, m.progress, m.health, m.measurements_count]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
  });

  it('answers the same table as CSV', async () => {
    const json = await rows();
    for (const query of ['?format=csv', '.csv']) {
      const res = await get(query);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toBe(CSV_CONTENT_TYPE);
      expect(res.headers['content-disposition']).toBe('inline; filename="progress.csv"');
      expectSameTable(res.body, json, PROGRESS_COLUMNS);
    }
  });

  it('filters versions by the overlap of their span with [from, to)', async () => {
    // deal-desk v1 ended at 01-08T09:00 (exactly from: out); lead-scoring v1 runs on; v2 is planned 01-15 -> 01-25.
    expect(await names('?from=2026-01-08T09:00:00Z')).toEqual(['lead-scoring/v1/cycle_days', 'lead-scoring/v1/demos', 'lead-scoring/v1/win_rate', 'lead-scoring/v2/-']);
    expect(await names('?from=2026-01-08T08:59:59Z&to=2026-01-15T00:00:00Z')).toEqual([
      'deal-desk/v1/-',
      'lead-scoring/v1/cycle_days',
      'lead-scoring/v1/demos',
      'lead-scoring/v1/win_rate',
    ]);
    expect(await names('?from=2026-02-01T00:00:00Z')).toEqual(['lead-scoring/v1/cycle_days', 'lead-scoring/v1/demos', 'lead-scoring/v1/win_rate']);
    expect(await names('?to=2026-01-05T09:00:00Z')).toEqual([]);
  });

  it('filters by team, theme, initiative and metric keys', async () => {
    expect(await names('?team=field-sales')).toEqual(['deal-desk/v1/-']);
    expect(await names('?theme=pipeline&metric=demos,win_rate')).toEqual(['lead-scoring/v1/demos', 'lead-scoring/v1/win_rate']);
    expect(await names(`?initiative=${f.dealDesk.id}&metric=demos`)).toEqual([]);
    expectProblem(await get('?theme=no-such-theme'), 404, 'not_found');
    expectProblem(await get('?metric=nope'), 404, 'not_found');
  });

  it('is an empty array, or a header row alone, when nothing matches', async () => {
    expect((await get('?to=2026-01-01T00:00:00Z')).body).toBe('[]');
    expect((await get('?to=2026-01-01T00:00:00Z&format=csv')).body).toBe(`${PROGRESS_COLUMNS.join(',')}\r\n`);
  });

  it('tags each form, answers 304, and moves with writes and with the clock', async () => {
    const first = await get();
    const tag = String(first.headers.etag);
    expect((await get('', { 'if-none-match': tag })).statusCode).toBe(304);
    expect(String((await get('?format=csv')).headers.etag)).not.toBe(tag);

    // A day later the share is 105 h / 240 h = 0.4375: cycle_days (0.15) falls below 0.4375 - 0.25 -> off_track.
    t.clock.set('2026-01-09T09:00:00.000Z');
    const later = await get();
    expect(String(later.headers.etag)).not.toBe(tag);
    expect(ProgressExport.parse(later.json()).find((r) => r.metric === 'cycle_days')?.metric_health).toBe('off_track');

    // A measurement moves current at once, cache or not: average(29, 28, 20) = 25.67; (25.67 - 30) / -10 = 0.433 -> on_track.
    const res = await t.call({ method: 'POST', url: '/v1/measurements', payload: { metric: 'cycle_days', initiative: 'lead-scoring', value: 20 } });
    expect(res.statusCode, res.body).toBe(201);
    const cycle = (await rows()).find((r) => r.metric === 'cycle_days')!;
    expect(cycle.current).toBeCloseTo(77 / 3, 12);
    expect(cycle.progress).toBeCloseTo((30 - 77 / 3) / 10, 12);
    expect(cycle).toMatchObject({ measurements_count: 3, metric_health: 'on_track' });
  });
});
