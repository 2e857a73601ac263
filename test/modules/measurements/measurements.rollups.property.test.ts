import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, type TestApp } from '../../helpers/app';
import { createIteration, createMetric, createStartedIteration, transitionIteration } from '../../helpers/factories';
import { rollupDrift } from '../../helpers/rollup-check';

/**
 * Random sequences of writes, voids and supersedes (late rows, out-of-order observed_at and a
 * definition change included), after which every rollup (per iteration, per day, per organisation
 * day) must equal a from-scratch recomputation over the live rows of the ledger (rollup-check.ts).
 * A seeded generator makes a failure reproducible.
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
    expect(rollupDrift(t.db.$client)).toEqual([]);
    const rows = (table: string) => t.db.$client.prepare(`SELECT * FROM ${table}`).all() as Array<{ definition_version: number; day?: string }>;
    expect(rows('measurement_rollups').length).toBeGreaterThan(0);
    expect(new Set(rows('measurement_rollups').map((r) => r.definition_version)).size).toBe(renamed ? 2 : 1);
    expect(new Set(rows('measurement_daily_rollups').map((r) => r.day)).size).toBeGreaterThan(1);
  });

  it('the sequences above covered late rows, voids, supersedes and two definition versions', () => {
    const n = (where: string) => (t.db.$client.prepare(`SELECT count(*) AS n FROM measurements WHERE ${where}`).get() as { n: number }).n;
    expect(n('late = 1')).toBeGreaterThan(0);
    expect(n('voided_at IS NOT NULL')).toBeGreaterThan(0);
    expect(n('superseded_by IS NOT NULL')).toBeGreaterThan(0);
    expect(n('definition_version = 2')).toBeGreaterThan(0);
  });
});
