import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricComparisonSchema, type MetricComparison } from '../../../src/modules/metric-series/metric-comparison.schemas';
import { liftOf } from '../../../src/modules/metric-series/metric-comparison.service';
import { makeApp, type TestApp } from '../../helpers/app';
import { createInitiative, createIteration, createKey, createMetric, createTeam, transitionIteration, type CreatedKey } from '../../helpers/factories';
import { expectProblem } from '../../helpers/problems';
import { parseCsv, patchMetric, record } from './fixture';

/**
 * Two teams, alpha (initiatives alpha-one and alpha-two) and bravo (bravo-one). Each v1 runs the
 * 30-day box 2026-01-05T09:00Z .. 2026-02-04T09:00Z; the clock reads 2026-01-20T09:00Z, half
 * way, so health compares progress with an elapsed share of 0.5 (on_track >= 0.4, at_risk >= 0.25).
 */
const BOX = { planned_start: '2026-01-05T09:00:00Z', planned_end: '2026-02-04T09:00:00Z' };

let t: TestApp;
let viewer: CreatedKey;
const it1: Record<string, { id: string; key: string }> = {};
let planned: { id: string };
let win: string;
let cycle: string;
let calls: string;

async function track(iterationId: string, metric: string, baseline: number, target: number) {
  const res = await t.call({ method: 'POST', url: `/v1/iterations/${iterationId}/metrics`, payload: { metric, baseline, target } });
  expect(res.statusCode, res.body).toBe(201);
}
const at = (day: number) => `2026-01-${String(day).padStart(2, '0')}T10:00:00Z`;

beforeAll(async () => {
  t = await makeApp();
  viewer = await createKey(t, 'viewer');
  await createTeam(t, { key: 'alpha' });
  await createTeam(t, { key: 'bravo' });
  for (const [key, team] of [['alpha-one', 'alpha'], ['alpha-two', 'alpha'], ['bravo-one', 'bravo']] as const) {
    await createInitiative(t, { key, team });
    const v1 = await createIteration(t, key, BOX);
    await transitionIteration(t, v1.id, 'start');
    it1[key] = { id: v1.id, key };
  }
  win = (await createMetric(t, { key: 'win_rate', unit: 'ratio', direction: 'increase', aggregation: 'latest' })).key;
  cycle = (await createMetric(t, { key: 'cycle_days', unit: 'days', direction: 'decrease', aggregation: 'average' })).key;
  calls = (await createMetric(t, { key: 'calls', unit: 'count', direction: 'increase', aggregation: 'sum' })).key;
  await track(it1['alpha-one']!.id, win, 0.25, 0.75);
  await track(it1['alpha-two']!.id, win, 0, 1);
  await track(it1['bravo-one']!.id, win, 0.5, 1);
  await track(it1['alpha-one']!.id, cycle, 10, 6);
  await track(it1['bravo-one']!.id, cycle, 8, 4);
  await track(it1['alpha-one']!.id, calls, 10, 20);
  await track(it1['bravo-one']!.id, calls, 5, 15);
  // alpha-one's v2, planned, tracks win_rate on its own (nothing carried over).
  planned = await createIteration(t, 'alpha-one', { carry_over: false });
  await track(planned.id, win, 1, 2);

  t.clock.set('2026-01-20T09:00:00.000Z');
  const log = (metric: string, initiative: string, value: number, day: number) => record(t, { metric, initiative, value, observed_at: at(day) });
  await log(win, 'alpha-one', 0.3, 10);
  await log(win, 'alpha-one', 0.5, 15); // latest
  await log(win, 'alpha-two', 0.5, 12);
  await log(win, 'bravo-one', 0.25, 11);
  await log(cycle, 'alpha-one', 8, 10);
  await log(cycle, 'alpha-one', 9, 11);
  await log(cycle, 'bravo-one', 12, 12);
  // calls: definition 1 (sum) gets 3 + 4 in alpha-one and 6 in bravo-one; definition 2 (max) gets 12 in alpha-one.
  await log(calls, 'alpha-one', 3, 10);
  await log(calls, 'alpha-one', 4, 11);
  await log(calls, 'bravo-one', 6, 12);
  await patchMetric(t, calls, { aggregation: 'max' });
  await log(calls, 'alpha-one', 12, 13);
});
afterAll(() => t.close());

async function comparison(key: string, query = ''): Promise<MetricComparison> {
  const res = await t.call({ method: 'GET', url: `/v1/metrics/${key}/comparison${query}` });
  expect(res.statusCode, res.body).toBe(200);
  return MetricComparisonSchema.parse(res.json());
}
const brief = (c: MetricComparison) =>
  c.definition_versions.map((g) => ({
    definition_version: g.definition_version,
    current: g.current,
    aggregation: g.aggregation,
    rows: g.rows.map((r) => ({
      at: `${r.initiative.key} v${r.iteration.number}`,
      team: r.team.key,
      baseline: r.baseline,
      current: r.current,
      target: r.target,
      lift: r.lift,
      relative_lift: r.relative_lift,
      progress: r.progress,
      health: r.health,
      count: r.measurements_count,
    })),
  }));

describe('GET /v1/metrics/{key}/comparison', () => {
  it('puts every tracked metric side by side, lift signed so that up is good (increase)', async () => {
    expect(brief(await comparison(win))).toEqual([
      {
        definition_version: 1,
        current: true,
        aggregation: 'latest',
        rows: [
          // latest 0.5 against 0.25: lift 0.25, relative 1, progress 0.25 / 0.5 = 0.5 >= 0.5 - 0.1: on_track.
          { at: 'alpha-one v1', team: 'alpha', baseline: 0.25, current: 0.5, target: 0.75, lift: 0.25, relative_lift: 1, progress: 0.5, health: 'on_track', count: 2 },
          // Not started, nothing measured.
          { at: 'alpha-one v2', team: 'alpha', baseline: 1, current: null, target: 2, lift: null, relative_lift: null, progress: null, health: 'no_data', count: 0 },
          // Baseline 0: no relative lift.
          { at: 'alpha-two v1', team: 'alpha', baseline: 0, current: 0.5, target: 1, lift: 0.5, relative_lift: null, progress: 0.5, health: 'on_track', count: 1 },
          // 0.25 against 0.5: lift -0.25, relative -0.5, progress -0.5 < 0.25: off_track.
          { at: 'bravo-one v1', team: 'bravo', baseline: 0.5, current: 0.25, target: 1, lift: -0.25, relative_lift: -0.5, progress: -0.5, health: 'off_track', count: 1 },
        ],
      },
    ]);
  });

  it('signs lift by direction: for a decrease-is-good metric, going down is a positive lift', async () => {
    const [group] = brief(await comparison(cycle));
    expect(group!.rows).toEqual([
      // average (8 + 9) / 2 = 8.5 against 10: lift 10 - 8.5 = 1.5, relative 0.15, progress (8.5 - 10) / (6 - 10) = 0.375: at_risk.
      { at: 'alpha-one v1', team: 'alpha', baseline: 10, current: 8.5, target: 6, lift: 1.5, relative_lift: 1.5 / 10, progress: 0.375, health: 'at_risk', count: 2 },
      // 12 against 8: lift 8 - 12 = -4, relative -0.5, progress (12 - 8) / (4 - 8) = -1: off_track.
      { at: 'bravo-one v1', team: 'bravo', baseline: 8, current: 12, target: 4, lift: -4, relative_lift: -0.5, progress: -1, health: 'off_track', count: 1 },
    ]);
  });

  it('groups by definition version: the current one first with every tracked metric, older ones apart, never mixed', async () => {
    expect(brief(await comparison(calls))).toEqual([
      {
        definition_version: 2,
        current: true,
        aggregation: 'max',
        rows: [
          // max of definition 2's 12 (definition 1's 3 and 4 not counted): lift 2, relative 0.2, progress 0.2: off_track.
          { at: 'alpha-one v1', team: 'alpha', baseline: 10, current: 12, target: 20, lift: 2, relative_lift: 0.2, progress: 0.2, health: 'off_track', count: 1 },
          // Nothing under definition 2 yet.
          { at: 'bravo-one v1', team: 'bravo', baseline: 5, current: null, target: 15, lift: null, relative_lift: null, progress: null, health: 'no_data', count: 0 },
        ],
      },
      {
        definition_version: 1,
        current: false,
        aggregation: 'sum',
        rows: [
          // sum 3 + 4 = 7 against 10: lift -3, relative -0.3, progress -0.3.
          { at: 'alpha-one v1', team: 'alpha', baseline: 10, current: 7, target: 20, lift: -3, relative_lift: -0.3, progress: -0.3, health: 'off_track', count: 2 },
          // 6 against 5: lift 1, relative 0.2, progress 0.1.
          { at: 'bravo-one v1', team: 'bravo', baseline: 5, current: 6, target: 15, lift: 1, relative_lift: 0.2, progress: 0.1, health: 'off_track', count: 1 },
        ],
      },
    ]);
  });

  it('filters by team, initiative status, iteration status and current iteration; an unknown team or metric is a 404', async () => {
    const rowsOf = async (query: string) => (await comparison(win, query)).definition_versions[0]!.rows.map((r) => `${r.initiative.key} v${r.iteration.number}`);
    expect(await rowsOf('?team=bravo')).toEqual(['bravo-one v1']);
    expect(await rowsOf('?current_only=true')).toEqual(['alpha-one v1', 'alpha-two v1', 'bravo-one v1']);
    expect(await rowsOf('?iteration_status=planned')).toEqual(['alpha-one v2']);
    expect(await rowsOf('?initiative_status=adopted')).toEqual([]);
    expect(await rowsOf('?initiative_status=active&team=alpha&iteration_status=under_construction')).toEqual(['alpha-one v1', 'alpha-two v1']);
    expectProblem(await t.call({ method: 'GET', url: `/v1/metrics/${win}/comparison?team=charlie` }), 404, 'not_found');
    expectProblem(await t.call({ method: 'GET', url: '/v1/metrics/no_such_metric/comparison' }), 404, 'not_found');
    const bad = expectProblem(await t.call({ method: 'GET', url: `/v1/metrics/${win}/comparison?iteration_status=done&current_only=yes` }), 400, 'validation_failed');
    expect(bad.errors?.map((e) => e.path).sort()).toEqual(['query.current_only', 'query.iteration_status']);
  });

  it('answers one CSV row per (definition version, tracked metric), matching the JSON', async () => {
    const json = await comparison(calls);
    const csv = await t.call({ method: 'GET', url: `/v1/metrics/${calls}/comparison`, headers: { accept: 'text/csv' } });
    expect(csv.statusCode, csv.body).toBe(200);
    const rows = parseCsv(csv.body);
    expect(rows.map((r) => [r.definition_version, r.current_definition, r.team, r.initiative, r.version_number, r.current, r.lift, r.health])).toEqual(
      json.definition_versions.flatMap((g) =>
        g.rows.map((r) => [String(g.definition_version), String(g.current), r.team.key, r.initiative.key, String(r.iteration.number), r.current === null ? '' : String(r.current), r.lift === null ? '' : String(r.lift), r.health]),
      ),
    );
    expect(rows).toHaveLength(4);
    expect(rows[2]).toMatchObject({ metric: 'calls', definition_version: '1', aggregation: 'sum', baseline: '10', current: '7', target: '20', lift: '-3', relative_lift: '-0.3', measurements_count: '2' });
  });

  it('answers 304 to a matching If-None-Match, and takes a viewer key (only) as access_token', async () => {
    const first = await t.call({ method: 'GET', url: `/v1/metrics/${win}/comparison` });
    const again = await t.call({ method: 'GET', url: `/v1/metrics/${win}/comparison`, headers: { 'if-none-match': String(first.headers.etag) } });
    expect(again.statusCode).toBe(304);
    const token = await t.call({ method: 'GET', url: `/v1/metrics/${win}/comparison.csv?access_token=${viewer.secret}`, key: null });
    expect(token.statusCode, token.body).toBe(200);
    expect(token.body.startsWith('metric,definition_version,current_definition,')).toBe(true);
    const editor = await createKey(t, 'editor', ['alpha']);
    expectProblem(await t.call({ method: 'GET', url: `/v1/metrics/${win}/comparison?access_token=${editor.secret}`, key: null }), 401, 'unauthorized');
    expectProblem(await t.call({ method: 'GET', url: `/v1/metrics/${win}/comparison?access_token=${t.adminKey}`, key: null }), 401, 'unauthorized');
  });

  it('follows the clock: health moves as the time box elapses, without any write', async () => {
    const healthOf = async () => (await comparison(win)).definition_versions[0]!.rows.map((r) => r.health);
    expect(await healthOf()).toEqual(['on_track', 'no_data', 'on_track', 'off_track']);
    // Past the planned end the share is 1: progress 0.5 is below 1 - 0.25.
    t.clock.set('2026-02-10T09:00:00.000Z');
    expect(await healthOf()).toEqual(['off_track', 'no_data', 'off_track', 'off_track']);
  });
});

describe('relative lift', () => {
  // Found by the fuzzer: a baseline a hair's breadth from 0 made lift / |baseline| Infinity (a 500).
  it('is null over a baseline of 0, or one so close to 0 that the ratio overflows', () => {
    expect(liftOf('increase', 0.5, 0.25)).toEqual({ lift: 0.25, relative_lift: 1 });
    expect(liftOf('increase', 0.5, 0)).toEqual({ lift: 0.5, relative_lift: null });
    expect(liftOf('decrease', 7, Number.MIN_VALUE)).toEqual({ lift: Number.MIN_VALUE - 7, relative_lift: null });
  });
});
