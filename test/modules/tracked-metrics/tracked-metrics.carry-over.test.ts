import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, type TestApp } from '../../helpers/app';
import { createInitiative, createIteration, createMetric, transitionIteration } from '../../helpers/factories';
import { IterationDiffSchema } from '../../../src/modules/iterations/iterations.schemas';
import { getTracked, listTracked, measure, track } from './tracked-metrics.helpers';

let t: TestApp;
beforeAll(async () => {
  t = await makeApp();
});
afterAll(() => t.close());

const closeIteration = async (id: string) => {
  await transitionIteration(t, id, 'start');
  await transitionIteration(t, id, 'review');
  await transitionIteration(t, id, 'close', { decision: 'persevere' });
};

describe('carry-over into the next version', () => {
  it("copies every tracked metric with carried_from and the same target; the baseline is the previous version's final current", async () => {
    const initiative = await createInitiative(t);
    const v1 = await createIteration(t, initiative.key);
    const winRate = await createMetric(t, { unit: 'ratio', aggregation: 'latest' });
    const cycle = await createMetric(t, { unit: 'days', aggregation: 'average', direction: 'decrease' });
    const calls = await createMetric(t, { aggregation: 'sum' });
    const a = await track(t, v1.id, { metric: winRate.key, baseline: 0.18, target: 0.25 });
    const b = await track(t, v1.id, { metric: cycle.key, baseline: 30, target: 20 });
    const c = await track(t, v1.id, { metric: calls.key, baseline: 100, target: 150 });
    const on = (metric: { id: string }) => ({ metric, iteration: { id: v1.id, initiative: { id: initiative.id } } });
    measure(t, on(winRate), 0.2, '2026-01-05T10:00:00.000Z');
    measure(t, on(winRate), 0.22, '2026-01-06T10:00:00.000Z');
    measure(t, on(cycle), 28);
    measure(t, on(cycle), 24);
    // calls: no measurement, so its old baseline carries over.
    await closeIteration(v1.id);

    const v2 = await createIteration(t, initiative.key);
    const carried = v2.carried.find((k) => k.kind === 'tracked_metrics');
    expect(carried?.items.map((i) => i.carried_from)).toEqual([a.id, b.id, c.id]);

    const copies = await listTracked(t, v2.id);
    expect(copies.map((x) => ({ key: x.metric.key, baseline: x.baseline, target: x.target, carried_from: x.carried_from }))).toEqual([
      { key: winRate.key, baseline: 0.22, target: 0.25, carried_from: a.id },
      { key: cycle.key, baseline: 26, target: 20, carried_from: b.id },
      { key: calls.key, baseline: 100, target: 150, carried_from: c.id },
    ]);
    expect(copies.map((x) => x.id)).toEqual(carried?.items.map((i) => i.id));
    // A new version starts without measurements of its own.
    expect(copies.every((x) => x.current === null && x.health === 'no_data' && x.version === 1)).toBe(true);
    // The previous version keeps its own.
    expect(await getTracked(t, v1.id, winRate.key)).toMatchObject({ current: 0.22, baseline: 0.18 });
  });

  it('the baseline is the old one when the previous version had a baseline but no measurement, and null stays null', async () => {
    const initiative = await createInitiative(t);
    const v1 = await createIteration(t, initiative.key);
    const m = await createMetric(t);
    const n = await createMetric(t);
    await track(t, v1.id, { metric: m.key, baseline: 7, target: 9 });
    await track(t, v1.id, { metric: n.key });
    await transitionIteration(t, v1.id, 'abandon');
    const v2 = await createIteration(t, initiative.key);
    expect((await listTracked(t, v2.id)).map((x) => [x.baseline, x.target])).toEqual([
      [7, 9],
      [null, null],
    ]);
  });

  it('a version planned ahead keeps the metrics it already tracks when the rest are carried in', async () => {
    const initiative = await createInitiative(t);
    const v1 = await createIteration(t, initiative.key);
    const m = await createMetric(t);
    const n = await createMetric(t);
    await track(t, v1.id, { metric: m.key, baseline: 1, target: 2 });
    await track(t, v1.id, { metric: n.key, baseline: 3, target: 4 });
    await transitionIteration(t, v1.id, 'start');
    const v2 = await createIteration(t, initiative.key, { carry_over: false });
    await track(t, v2.id, { metric: n.key, baseline: 10, target: 20 });
    await transitionIteration(t, v1.id, 'abandon');

    const res = await t.call({ method: 'POST', url: `/v1/iterations/${v2.id}/carry-over` });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().carried.find((k: { kind: string }) => k.kind === 'tracked_metrics').items).toHaveLength(1);
    expect((await listTracked(t, v2.id)).map((x) => [x.metric.key, x.baseline, x.target])).toEqual([
      [n.key, 10, 20],
      [m.key, 1, 2],
    ]);
  });

  it('carry_over: false copies nothing', async () => {
    const initiative = await createInitiative(t);
    const v1 = await createIteration(t, initiative.key);
    await track(t, v1.id, { metric: (await createMetric(t)).key });
    const v2 = await createIteration(t, initiative.key, { carry_over: false });
    expect(await listTracked(t, v2.id)).toEqual([]);
  });
});

describe('the diff of two versions', () => {
  it('shows tracked metrics added, removed, and targets and baselines moved, matched along the carried chain', async () => {
    const initiative = await createInitiative(t);
    const v1 = await createIteration(t, initiative.key);
    const kept = await createMetric(t, { aggregation: 'latest' });
    const dropped = await createMetric(t);
    const added = await createMetric(t);
    const k1 = await track(t, v1.id, { metric: kept.key, baseline: 10, target: 20 });
    const d1 = await track(t, v1.id, { metric: dropped.key, baseline: 1, target: 2 });
    measure(t, { metric: kept, iteration: { id: v1.id, initiative: { id: initiative.id } } }, 14);
    await closeIteration(v1.id);

    const v2 = await createIteration(t, initiative.key);
    const k2 = await getTracked(t, v2.id, kept.key);
    await t.call({ method: 'PATCH', url: `/v1/iterations/${v2.id}/metrics/${kept.key}`, payload: { target: 25 } });
    expect((await t.call({ method: 'DELETE', url: `/v1/iterations/${v2.id}/metrics/${dropped.key}` })).statusCode).toBe(204);
    const a2 = await track(t, v2.id, { metric: added.key, target: 3 });
    await closeIteration(v2.id);

    // v3 carries v2's copy of the kept metric: its lineage still starts in v1.
    const v3 = await createIteration(t, initiative.key);
    const k3 = await getTracked(t, v3.id, kept.key);

    const diff = IterationDiffSchema.parse((await t.call({ method: 'GET', url: `/v1/initiatives/${initiative.key}/iterations/1/diff/2` })).json());
    expect(diff.items.tracked_metrics).toEqual({
      added: [{ id: a2.id, metric: added.key, baseline: null, target: 3 }],
      removed: [{ id: d1.id, metric: dropped.key, baseline: 1, target: 2 }],
      changed: [{ lineage: k1.id, from_id: k1.id, to_id: k2.id, fields: { baseline: { from: 10, to: 14 }, target: { from: 20, to: 25 } } }],
    });

    const across = IterationDiffSchema.parse((await t.call({ method: 'GET', url: `/v1/initiatives/${initiative.key}/iterations/1/diff/3` })).json());
    expect(across.items.tracked_metrics?.changed).toEqual([
      { lineage: k1.id, from_id: k1.id, to_id: k3.id, fields: { baseline: { from: 10, to: 14 }, target: { from: 20, to: 25 } } },
    ]);
    expect(across.items.tracked_metrics?.added.map((x) => x.id)).toEqual([(await getTracked(t, v3.id, added.key)).id]);
  });
});
