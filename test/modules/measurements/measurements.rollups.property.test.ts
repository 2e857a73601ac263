import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, type TestApp } from '../../helpers/app';
import { createIteration, createMetric, createStartedIteration, transitionIteration } from '../../helpers/factories';

/**
 * Random sequences of writes, voids and supersedes (late rows, out-of-order observed_at and a
 * definition change included), after which every rollup must equal a from-scratch recomputation
 * over the live rows of the ledger. A seeded generator makes a failure reproducible.
 */

let t: TestApp;
beforeAll(async () => {
  t = await makeApp();
});
afterAll(() => t.close());

function generator(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: T[]): T => xs[Math.floor(next() * xs.length)] as T };
}

type Rollup = { iteration_id: string; metric_id: string; definition_version: number; count: number; sum: number; min: number; max: number; latest_value: number; latest_observed_at: string; latest_id: string };

const RECOMPUTED = `
  SELECT g.iteration_id, g.metric_id, g.definition_version, g.count, g.sum, g.min, g.max,
    l.value AS latest_value, l.observed_at AS latest_observed_at, l.id AS latest_id
  FROM (SELECT iteration_id, metric_id, definition_version, count(*) AS count, sum(value) AS sum, min(value) AS min, max(value) AS max
        FROM measurements WHERE voided_at IS NULL AND superseded_by IS NULL GROUP BY 1, 2, 3) g
  JOIN measurements l ON l.id = (
    SELECT x.id FROM measurements x
    WHERE x.iteration_id = g.iteration_id AND x.metric_id = g.metric_id AND x.definition_version = g.definition_version
      AND x.voided_at IS NULL AND x.superseded_by IS NULL
    ORDER BY x.observed_at DESC, x.id DESC LIMIT 1)
  ORDER BY 1, 2, 3`;

/** The same per UTC day of observed_at (migration 0005), which series read. */
const DAILY_RECOMPUTED = `
  SELECT g.metric_id, g.definition_version, g.day, g.iteration_id, g.count, g.sum, g.min, g.max,
    l.value AS latest_value, l.observed_at AS latest_observed_at, l.id AS latest_id
  FROM (SELECT metric_id, definition_version, substr(observed_at, 1, 10) AS day, iteration_id, count(*) AS count, sum(value) AS sum, min(value) AS min, max(value) AS max
        FROM measurements WHERE voided_at IS NULL AND superseded_by IS NULL GROUP BY 1, 2, 3, 4) g
  JOIN measurements l ON l.id = (
    SELECT x.id FROM measurements x
    WHERE x.iteration_id = g.iteration_id AND x.metric_id = g.metric_id AND x.definition_version = g.definition_version
      AND substr(x.observed_at, 1, 10) = g.day AND x.voided_at IS NULL AND x.superseded_by IS NULL
    ORDER BY x.observed_at DESC, x.id DESC LIMIT 1)
  ORDER BY 1, 2, 3, 4`;

/** The organisation's totals per day (migration 0007), which unfiltered series read. */
const TOTALS_RECOMPUTED = `
  SELECT g.metric_id, g.definition_version, g.day, g.count, g.sum, g.min, g.max,
    l.value AS latest_value, l.observed_at AS latest_observed_at, l.id AS latest_id
  FROM (SELECT metric_id, definition_version, substr(observed_at, 1, 10) AS day, count(*) AS count, sum(value) AS sum, min(value) AS min, max(value) AS max
        FROM measurements WHERE voided_at IS NULL AND superseded_by IS NULL GROUP BY 1, 2, 3) g
  JOIN measurements l ON l.id = (
    SELECT x.id FROM measurements x
    WHERE x.metric_id = g.metric_id AND x.definition_version = g.definition_version
      AND substr(x.observed_at, 1, 10) = g.day AND x.voided_at IS NULL AND x.superseded_by IS NULL
    ORDER BY x.observed_at DESC, x.id DESC LIMIT 1)
  ORDER BY 1, 2, 3`;

const rollups = () => t.db.$client.prepare('SELECT * FROM measurement_rollups ORDER BY 1, 2, 3').all() as Rollup[];

describe('measurement rollups', () => {
  it.each([1, 2, 3])('equal a recomputation from the ledger after a random sequence (seed %i)', async (seed) => {
    const g = generator(seed);
    const a = await createStartedIteration(t);
    const b = await createStartedIteration(t);
    const metrics = [await createMetric(t, { aggregation: 'latest' }), await createMetric(t, { aggregation: 'sum' })];
    const initiatives = [a.initiative.key, b.initiative.key];
    const live: Array<{ id: string; metric: string }> = [];
    const start = t.clock.now().getTime();
    let renamed = false;

    for (let step = 0; step < 120; step++) {
      t.clock.set(new Date(t.clock.now().getTime() + 3_600_000).toISOString());
      const roll = g.next();
      if (roll < 0.55 || live.length === 0) {
        // Observed at any time since the start: out of order, and late once an iteration ended.
        const metric = g.pick(metrics).key;
        const observed = new Date(start + g.int(t.clock.now().getTime() - start + 1)).toISOString();
        const rows = Array.from({ length: 1 + g.int(3) }, () => ({ metric, initiative: g.pick(initiatives), value: g.int(21) - 10, observed_at: observed }));
        const res = await t.call({ method: 'POST', url: '/v1/measurements', payload: rows });
        expect(res.statusCode, res.body).toBe(201);
        for (const d of (res.json() as { data: Array<{ id: string }> }).data) live.push({ id: d.id, metric });
      } else if (roll < 0.75) {
        const [victim] = live.splice(g.int(live.length), 1);
        const res = await t.call({ method: 'POST', url: `/v1/measurements/${victim?.id}/void`, payload: { reason: `step ${step}` } });
        expect(res.statusCode, res.body).toBe(200);
      } else if (roll < 0.95) {
        const [old] = live.splice(g.int(live.length), 1);
        const res = await t.call({ method: 'POST', url: '/v1/measurements', payload: { metric: old?.metric, initiative: g.pick(initiatives), value: g.int(100), supersedes: old?.id } });
        expect(res.statusCode, res.body).toBe(201);
        live.push({ id: (res.json() as { id: string }).id, metric: old?.metric ?? '' });
      } else if (!renamed) {
        // A new definition version: later rows roll up apart from the earlier ones.
        renamed = true;
        const res = await t.call({ method: 'PATCH', url: `/v1/metrics/${metrics[0]?.key}`, payload: { aggregation: 'max' } });
        expect(res.statusCode, res.body).toBe(200);
        // And v1 of one initiative ends, so what is observed in its window from now on is late.
        await transitionIteration(t, a.iteration.id, 'review');
        await transitionIteration(t, a.iteration.id, 'close', { decision: 'persevere' });
        await transitionIteration(t, (await createIteration(t, a.initiative.key)).id, 'start');
      }
    }
    const expected = t.db.$client.prepare(RECOMPUTED).all() as Rollup[];
    const actual = rollups();
    expect(actual.map(({ sum: _sum, ...r }) => r)).toEqual(expected.map(({ sum: _sum, ...r }) => r));
    actual.forEach((r, i) => expect(r.sum).toBeCloseTo(expected[i]?.sum ?? NaN, 9));
    expect(new Set(actual.map((r) => r.definition_version)).size).toBe(renamed ? 2 : 1);
    expect(actual.length).toBeGreaterThan(0);

    const daily = t.db.$client.prepare('SELECT * FROM measurement_daily_rollups ORDER BY 1, 2, 3, 4').all() as Rollup[];
    const dailyExpected = t.db.$client.prepare(DAILY_RECOMPUTED).all() as Rollup[];
    expect(daily.map(({ sum: _sum, ...r }) => r)).toEqual(dailyExpected.map(({ sum: _sum, ...r }) => r));
    daily.forEach((r, i) => expect(r.sum).toBeCloseTo(dailyExpected[i]?.sum ?? NaN, 9));
    expect(new Set(daily.map((r) => (r as unknown as { day: string }).day)).size).toBeGreaterThan(1);

    const totals = t.db.$client.prepare('SELECT * FROM measurement_day_totals ORDER BY 1, 2, 3').all() as Rollup[];
    const totalsExpected = t.db.$client.prepare(TOTALS_RECOMPUTED).all() as Rollup[];
    expect(totals.map(({ sum: _sum, ...r }) => r)).toEqual(totalsExpected.map(({ sum: _sum, ...r }) => r));
    totals.forEach((r, i) => expect(r.sum).toBeCloseTo(totalsExpected[i]?.sum ?? NaN, 9));
  });

  it('the sequences above covered late rows, voids, supersedes and two definition versions', () => {
    const n = (where: string) => (t.db.$client.prepare(`SELECT count(*) AS n FROM measurements WHERE ${where}`).get() as { n: number }).n;
    expect(n('late = 1')).toBeGreaterThan(0);
    expect(n('voided_at IS NOT NULL')).toBeGreaterThan(0);
    expect(n('superseded_by IS NOT NULL')).toBeGreaterThan(0);
    expect(n('definition_version = 2')).toBeGreaterThan(0);
  });
});
