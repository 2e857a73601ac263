import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeApp, type TestApp } from '../../helpers/app';
import { createInitiative, createIteration, createMetric, transitionIteration, type MetricOverrides } from '../../helpers/factories';
import { getTracked, listTracked, measure, track, voidMeasurement, type MeasureTarget } from './tracked-metrics.helpers';

/**
 * current, progress and health as a user reads them: measurements go into the ledger (the
 * triggers keep the rollups), the clock moves, and the tracked metric answers.
 */
let t: TestApp;
beforeAll(async () => {
  t = await makeApp();
});
afterAll(() => t.close());
beforeEach(() => t.clock.set('2026-01-05T09:00:00.000Z'));

interface Setup {
  timeBox?: { planned_start?: string; planned_end?: string };
  start?: boolean;
  metric?: MetricOverrides;
  baseline?: number | null;
  target?: number | null;
}

/** A fresh initiative whose v1 tracks a fresh metric. */
async function setup(s: Setup = {}) {
  const initiative = await createInitiative(t);
  let iteration = await createIteration(t, initiative.key, s.timeBox ?? {});
  if (s.start ?? true) iteration = { ...iteration, ...(await transitionIteration(t, iteration.id, 'start')) };
  const metric = await createMetric(t, s.metric);
  await track(t, iteration.id, { metric: metric.key, baseline: s.baseline ?? null, target: s.target ?? null });
  const on: MeasureTarget = { metric, iteration: { id: iteration.id, initiative: { id: initiative.id } } };
  const read = () => getTracked(t, iteration.id, metric.key);
  return { initiative, iteration, metric, on, read };
}

describe('current: the aggregation over the live measurements', () => {
  const values: Array<[number, string]> = [
    [3, '2026-01-05T10:00:00.000Z'],
    [7, '2026-01-07T10:00:00.000Z'],
    // Logged last but observed in between: not the latest.
    [5, '2026-01-06T10:00:00.000Z'],
  ];
  const cases = [
    ['latest', 7],
    ['sum', 15],
    ['average', 5],
    ['min', 3],
    ['max', 7],
  ] as const;

  for (const [aggregation, expected] of cases) {
    it(`${aggregation} -> ${expected}`, async () => {
      const s = await setup({ metric: { aggregation } });
      for (const [v, at] of values) measure(t, s.on, v, at);
      expect(await s.read()).toMatchObject({
        metric: { aggregation },
        current: expected,
        measurements_count: 3,
        last_observed_at: '2026-01-07T10:00:00.000Z',
      });
    });
  }

  it('leaves voided measurements out, and is null again once none is live', async () => {
    const s = await setup({ metric: { aggregation: 'max' }, baseline: 0, target: 10 });
    const keep = measure(t, s.on, 4, '2026-01-05T10:00:00.000Z');
    const typo = measure(t, s.on, 40, '2026-01-06T10:00:00.000Z');
    expect(await s.read()).toMatchObject({ current: 40, measurements_count: 2 });
    voidMeasurement(t, typo);
    expect(await s.read()).toMatchObject({ current: 4, measurements_count: 1, last_observed_at: '2026-01-05T10:00:00.000Z', progress: 0.4 });
    voidMeasurement(t, keep);
    expect(await s.read()).toMatchObject({ current: null, measurements_count: 0, last_observed_at: null, progress: null, health: 'no_data' });
  });

  it("counts only the metric's current definition version", async () => {
    const s = await setup({ metric: { aggregation: 'sum' }, baseline: 0, target: 10 });
    measure(t, s.on, 6);
    // A new definition (say, a new aggregation): measurements of version 1 no longer roll into current.
    t.db.$client.prepare("UPDATE metrics SET definition_version = 2, aggregation = 'latest' WHERE id = ?").run(s.metric.id);
    t.db.$client
      .prepare("INSERT INTO metric_definitions (metric_id, definition_version, unit, direction, aggregation, created_at) VALUES (?, 2, 'count', 'increase', 'latest', ?)")
      .run(s.metric.id, t.clock.now().toISOString());
    expect(await s.read()).toMatchObject({ metric: { definition_version: 2, aggregation: 'latest' }, current: null, measurements_count: 0, health: 'no_data' });
    measure(t, s.on, 2);
    measure(t, s.on, 3, '2026-01-06T00:00:00.000Z');
    expect(await s.read()).toMatchObject({ current: 3, measurements_count: 2, progress: 0.3 });
  });

  it('is per iteration: measurements of another iteration do not count', async () => {
    const a = await setup({ metric: { aggregation: 'sum' } });
    const other = await createInitiative(t);
    const b = await createIteration(t, other.key);
    await track(t, b.id, { metric: a.metric.key });
    measure(t, a.on, 5);
    measure(t, { metric: a.metric, iteration: { id: b.id, initiative: { id: other.id } } }, 100);
    expect((await a.read()).current).toBe(5);
    expect((await getTracked(t, b.id, a.metric.key)).current).toBe(100);
  });
});

describe('units and directions', () => {
  const units = [
    [{ unit: 'count' }, null],
    [{ unit: 'percent' }, null],
    [{ unit: 'currency', currency_code: 'EUR' }, 'EUR'],
    [{ unit: 'days' }, null],
    [{ unit: 'ratio' }, null],
    [{ unit: 'number' }, null],
  ] as const;
  for (const [overrides, code] of units) {
    it(`shows unit ${overrides.unit} and computes the same way`, async () => {
      const s = await setup({ metric: { ...overrides, aggregation: 'latest' }, baseline: 100, target: 200 });
      measure(t, s.on, 150);
      expect(await s.read()).toMatchObject({ metric: { unit: overrides.unit, currency_code: code }, current: 150, progress: 0.5 });
    });
  }

  it('increase is good: progress grows as the value rises', async () => {
    const s = await setup({ metric: { unit: 'ratio', aggregation: 'latest', direction: 'increase' }, baseline: 0.18, target: 0.25 });
    measure(t, s.on, 0.215);
    const r = await s.read();
    expect(r.metric.direction).toBe('increase');
    expect(r.progress).toBeCloseTo(0.5, 10);
    measure(t, s.on, 0.1, '2026-01-06T00:00:00.000Z');
    expect((await s.read()).progress).toBeLessThan(0);
  });

  it('decrease is good, with the target below the baseline: progress grows as the value falls', async () => {
    const s = await setup({ metric: { unit: 'days', aggregation: 'average', direction: 'decrease' }, baseline: 30, target: 20 });
    measure(t, s.on, 26);
    measure(t, s.on, 24);
    expect(await s.read()).toMatchObject({ metric: { direction: 'decrease' }, current: 25, progress: 0.5 });
    measure(t, s.on, 5); // average 55 / 3 = 18.33, beyond the target
    const r = await s.read();
    expect(r.progress).toBeCloseTo(11.6667 / 10, 3);
    expect(r.health).toBe('achieved');
  });

  it('decrease is good: a rise moves progress below zero', async () => {
    const s = await setup({ metric: { aggregation: 'latest', direction: 'decrease' }, baseline: 30, target: 20 });
    measure(t, s.on, 35);
    expect(await s.read()).toMatchObject({ progress: -0.5, health: 'at_risk' });
  });
});

describe('progress is null', () => {
  it('without measurements (health no_data, whatever the baseline and target)', async () => {
    const s = await setup({ baseline: 1, target: 2 });
    expect(await s.read()).toMatchObject({ current: null, progress: null, health: 'no_data' });
  });

  for (const [name, baseline, target] of [
    ['without a baseline', null, 10],
    ['without a target', 0, null],
    ['without either', null, null],
    ['when the target equals the baseline', 5, 5],
    // Found by the fuzzer: 7 / 5e-324 is Infinity, which no JSON number can carry (a 500).
    ['when the target is so close to the baseline that the ratio overflows', 0, Number.MIN_VALUE],
  ] as const) {
    it(`${name}: measured but not judged, so at_risk`, async () => {
      const s = await setup({ metric: { aggregation: 'latest' }, baseline, target });
      measure(t, s.on, 7);
      expect(await s.read()).toMatchObject({ current: 7, measurements_count: 1, progress: null, health: 'at_risk' });
    });
  }
});

describe('bounds', () => {
  it('refuses a baseline or target beyond ±1e15 (400), so that progress arithmetic stays finite', async () => {
    const s = await setup();
    for (const payload of [{ baseline: 1e16 }, { target: -Number.MAX_VALUE }]) {
      const res = await t.call({ method: 'PATCH', url: `/v1/iterations/${s.iteration.id}/metrics/${s.metric.key}`, payload });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().errors[0].path).toBe(`body.${Object.keys(payload)[0]}`);
    }
  });
});

describe('health from pace', () => {
  // A ten-day time box: each day is a tenth of it.
  const timeBox = { planned_start: '2026-02-01T00:00:00Z', planned_end: '2026-02-11T00:00:00Z' };

  it('compares progress with the elapsed share of the time box, as the clock moves', async () => {
    const s = await setup({ timeBox, metric: { aggregation: 'latest' }, baseline: 0, target: 100 });
    measure(t, s.on, 45);
    t.clock.set('2026-02-06T00:00:00.000Z'); // half elapsed
    expect(await s.read()).toMatchObject({ progress: 0.45, health: 'on_track' }); // >= 0.5 - 0.10
    measure(t, s.on, 30, '2026-02-06T00:00:00.000Z');
    expect(await s.read()).toMatchObject({ progress: 0.3, health: 'at_risk' }); // >= 0.5 - 0.25
    measure(t, s.on, 20, '2026-02-06T01:00:00.000Z');
    expect(await s.read()).toMatchObject({ progress: 0.2, health: 'off_track' });
    t.clock.set('2026-02-03T00:00:00.000Z'); // a fifth elapsed: 0.2 is on pace
    expect((await s.read()).health).toBe('on_track');
    t.clock.set('2026-03-01T00:00:00.000Z'); // past the end: the share stays 1
    expect((await s.read()).health).toBe('off_track');
    measure(t, s.on, 100, '2026-02-10T00:00:00.000Z');
    expect(await s.read()).toMatchObject({ progress: 1, health: 'achieved' });
  });

  it('is on_track at exactly share - 0.10 and at_risk at exactly share - 0.25 (no floating-point surprise)', async () => {
    const s = await setup({ timeBox, metric: { aggregation: 'latest' }, baseline: 0, target: 10 });
    t.clock.set('2026-02-09T00:00:00.000Z'); // 0.8 elapsed
    measure(t, s.on, 7);
    expect(await s.read()).toMatchObject({ progress: 0.7, health: 'on_track' });
    measure(t, s.on, 5.5, '2026-02-09T00:00:00.000Z');
    expect(await s.read()).toMatchObject({ progress: 0.55, health: 'at_risk' });
  });

  it('before the time box starts nothing has elapsed: any progress >= -0.10 is on_track', async () => {
    const s = await setup({ timeBox, start: false, metric: { aggregation: 'latest' }, baseline: 10, target: 20 });
    measure(t, s.on, 10);
    expect(await s.read()).toMatchObject({ progress: 0, health: 'on_track' });
  });

  it('counts from started_at when no start was planned', async () => {
    t.clock.set('2026-02-01T00:00:00.000Z');
    const s = await setup({ timeBox: { planned_end: '2026-02-11T00:00:00Z' }, metric: { aggregation: 'latest' }, baseline: 0, target: 10 });
    measure(t, s.on, 2);
    t.clock.set('2026-02-02T00:00:00.000Z'); // a tenth elapsed since the start
    expect((await s.read()).health).toBe('on_track');
    t.clock.set('2026-02-08T00:00:00.000Z'); // 0.7 elapsed
    expect((await s.read()).health).toBe('off_track');
  });

  it('without a time box: on_track when progress > 0, else at_risk', async () => {
    // No planned_end.
    const open = await setup({ timeBox: { planned_start: '2026-02-01T00:00:00Z' }, metric: { aggregation: 'latest' }, baseline: 0, target: 10 });
    measure(t, open.on, 1);
    t.clock.set('2027-01-01T00:00:00.000Z');
    expect(await open.read()).toMatchObject({ progress: 0.1, health: 'on_track' });
    measure(t, open.on, 0, '2026-02-02T00:00:00.000Z');
    expect(await open.read()).toMatchObject({ progress: 0, health: 'at_risk' });

    // A planned_end, but neither a planned start nor a start yet.
    const unstarted = await setup({ timeBox: { planned_end: '2026-02-11T00:00:00Z' }, start: false, metric: { aggregation: 'latest' }, baseline: 0, target: 10 });
    measure(t, unstarted.on, 3);
    expect(await unstarted.read()).toMatchObject({ progress: 0.3, health: 'on_track' });
  });

  it('the list computes the same as the single read, in one go', async () => {
    const s = await setup({ timeBox, metric: { aggregation: 'sum' }, baseline: 0, target: 10 });
    const other = await createMetric(t, { aggregation: 'max', direction: 'decrease' });
    await track(t, s.iteration.id, { metric: other.key, baseline: 10, target: 0 });
    measure(t, s.on, 2);
    measure(t, { ...s.on, metric: other }, 9);
    t.clock.set('2026-02-06T00:00:00.000Z');
    const list = await listTracked(t, s.iteration.id);
    expect(list.map((x) => [x.current, x.progress, x.health])).toEqual([
      [2, 0.2, 'off_track'],
      [9, 0.1, 'off_track'],
    ]);
    expect(list[0]).toEqual(await s.read());
  });
});
