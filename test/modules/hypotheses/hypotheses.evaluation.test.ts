import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, type TestApp } from '../../helpers/app';
import { createStartedIteration } from '../../helpers/factories';
import { HypothesisPage } from '../../../src/modules/hypotheses/hypotheses.schemas';
import { createHypothesis, getHypothesis, measure, metric, track, voidMeasurement, type Where } from './fixtures';

let t: TestApp;
beforeAll(async () => {
  t = await makeApp();
});
afterAll(() => t.close());

/** A started iteration and a metric (latest, increase unless overridden) to measure in it. */
async function setup(overrides: Parameters<typeof metric>[1] = {}) {
  const { iteration, initiative } = await createStartedIteration(t);
  const m = await metric(t, { aggregation: 'latest', direction: 'increase', ...overrides });
  const where: Where = { metricId: m.id, iterationId: iteration.id, initiativeId: initiative.id };
  return { iteration, initiative, m, where };
}

const suggestionOf = async (id: string) => (await getHypothesis(t, id)).suggested_result;

describe('suggested_result', () => {
  it('is insufficient_data below min_measurements, with the value so far', async () => {
    const { iteration, m, where } = await setup();
    const h = await createHypothesis(t, iteration.id, { metric: m.key, operator: 'gte', threshold: 0.25, min_measurements: 3 });
    expect(h.suggested_result).toEqual({
      result: 'insufficient_data',
      value: null,
      measurements_count: 0,
      reason: `No measurements of ${m.key} yet; the hypothesis needs at least 3 measurements of ${m.key} in this iteration.`,
      evaluated_at: t.clock.now().toISOString(),
    });
    measure(t, where, [0.2, 0.3]);
    expect(await suggestionOf(h.id)).toMatchObject({ result: 'insufficient_data', value: 0.3, measurements_count: 2 });
    measure(t, where, [0.27]);
    expect(await suggestionOf(h.id)).toMatchObject({ result: 'validated', value: 0.27, measurements_count: 3 });
  });

  it('gte: validated when the value meets the threshold, with a reason a person reads', async () => {
    const { iteration, m, where } = await setup();
    measure(t, where, [0.2, 0.22, 0.3, 0.27]);
    const h = await createHypothesis(t, iteration.id, { metric: m.key, operator: 'gte', threshold: 0.25 });
    expect(h.suggested_result).toEqual({
      result: 'validated',
      value: 0.27,
      measurements_count: 4,
      reason: `${m.key} is 0.27 (latest of 4 measurements), which meets >= 0.25.`,
      evaluated_at: t.clock.now().toISOString(),
    });
    const miss = await createHypothesis(t, iteration.id, { metric: m.key, operator: 'gte', threshold: 0.28 });
    expect(miss.suggested_result).toMatchObject({ result: 'invalidated', reason: `${m.key} is 0.27 (latest of 4 measurements), which misses >= 0.28.` });
  });

  it('lte, gt and lt compare the same way; gt and lt are strict at equality', async () => {
    const { iteration, m, where } = await setup();
    measure(t, where, [5]);
    const cases: Array<[string, number, string]> = [
      ['lte', 5, 'validated'],
      ['lte', 4.9, 'invalidated'],
      ['gt', 5, 'invalidated'],
      ['gt', 4, 'validated'],
      ['lt', 5, 'invalidated'],
      ['lt', 6, 'validated'],
      ['gte', 5, 'validated'],
    ];
    for (const [operator, threshold, result] of cases) {
      const h = await createHypothesis(t, iteration.id, { metric: m.key, operator, threshold });
      expect(h.suggested_result.result, `${operator} ${threshold}`).toBe(result);
    }
  });

  it("values come from the metric's aggregation: latest, sum, average, min, max", async () => {
    const { iteration, initiative } = await createStartedIteration(t);
    const expected = { latest: 2, sum: 6.6, average: 2.2, min: 1.1, max: 3.3 } as const;
    for (const [aggregation, value] of Object.entries(expected)) {
      const m = await metric(t, { aggregation: aggregation as keyof typeof expected });
      measure(t, { metricId: m.id, iterationId: iteration.id, initiativeId: initiative.id }, [1.1, 3.3, aggregation === 'latest' ? 2 : 2.2]);
      const h = await createHypothesis(t, iteration.id, { metric: m.key, operator: 'gte', threshold: value });
      // Rounded to 12 significant digits: 1.1 + 3.3 + 2.2 is 6.6 here, and meets >= 6.6.
      expect(h.suggested_result, aggregation).toMatchObject({ result: 'validated', value, measurements_count: 3 });
      expect(h.suggested_result.reason).toContain(`(${aggregation === 'min' ? 'minimum' : aggregation === 'max' ? 'maximum' : aggregation} of 3 measurements)`);
    }
  });

  it('counts only live measurements of the current definition version in this iteration', async () => {
    const { iteration, initiative, m, where } = await setup({ aggregation: 'sum' });
    const [first] = measure(t, where, [10, 20]);
    const other = await createStartedIteration(t);
    measure(t, { metricId: m.id, iterationId: other.iteration.id, initiativeId: other.initiative.id }, [1000]);
    const h = await createHypothesis(t, iteration.id, { metric: m.key, operator: 'gte', threshold: 25 });
    expect(h.suggested_result).toMatchObject({ result: 'validated', value: 30, measurements_count: 2 });

    voidMeasurement(t, first!);
    expect(await suggestionOf(h.id)).toMatchObject({ result: 'invalidated', value: 20, measurements_count: 1 });

    // A new definition version starts from nothing: the old measurements keep their version.
    const res = await t.call({ method: 'PATCH', url: `/v1/metrics/${m.key}`, payload: { aggregation: 'max' } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().definition_version).toBe(2);
    expect(await suggestionOf(h.id)).toMatchObject({ result: 'insufficient_data', value: null, measurements_count: 0 });
    measure(t, { ...where, initiativeId: initiative.id }, [26], 2);
    expect(await suggestionOf(h.id)).toMatchObject({ result: 'validated', value: 26, measurements_count: 1 });
  });

  it('reach_target compares with the tracked target in the good direction: increase means >= target', async () => {
    const { iteration, m, where } = await setup({ direction: 'increase' });
    track(t, iteration.id, m.id, 0.3, 0.2);
    measure(t, where, [0.29]);
    const h = await createHypothesis(t, iteration.id, { metric: m.key, operator: 'reach_target' });
    expect(h.threshold).toBeNull();
    expect(h.suggested_result).toMatchObject({
      result: 'invalidated',
      reason: `${m.key} is 0.29 (latest of 1 measurement), which misses the target >= 0.3 (${m.key} should increase).`,
    });
    measure(t, where, [0.3]);
    expect(await suggestionOf(h.id)).toMatchObject({ result: 'validated', value: 0.3 });
  });

  it('reach_target on a metric whose good direction is decrease means <= target', async () => {
    const { iteration, m, where } = await setup({ direction: 'decrease', unit: 'days' });
    track(t, iteration.id, m.id, 10, 14);
    measure(t, where, [12]);
    const h = await createHypothesis(t, iteration.id, { metric: m.key, operator: 'reach_target' });
    expect(h.suggested_result).toMatchObject({ result: 'invalidated', value: 12 });
    expect(h.suggested_result.reason).toContain('misses the target <= 10');
    measure(t, where, [9]);
    expect(await suggestionOf(h.id)).toMatchObject({ result: 'validated', value: 9 });
    measure(t, where, [10]);
    expect(await suggestionOf(h.id)).toMatchObject({ result: 'validated', value: 10 });
  });

  it('reach_target is inconclusive without a tracked metric or without a target', async () => {
    const { iteration, m, where } = await setup();
    measure(t, where, [0.5]);
    const h = await createHypothesis(t, iteration.id, { metric: m.key, operator: 'reach_target' });
    expect(h.suggested_result).toMatchObject({ result: 'inconclusive', value: 0.5, measurements_count: 1 });
    expect(h.suggested_result.reason).toContain('not tracked in this iteration');

    track(t, iteration.id, m.id, null, 0.1);
    const noTarget = await suggestionOf(h.id);
    expect(noTarget).toMatchObject({ result: 'inconclusive' });
    expect(noTarget.reason).toContain('no target');
  });

  it('is computed at read time: evaluated_at is now, and the list shows the same suggestions', async () => {
    const { iteration, m, where } = await setup();
    const a = await createHypothesis(t, iteration.id, { metric: m.key, operator: 'gte', threshold: 1 });
    const b = await createHypothesis(t, iteration.id, { metric: m.key, operator: 'reach_target' });
    measure(t, where, [2]);
    t.clock.advanceDays(1);
    const res = await t.call({ method: 'GET', url: `/v1/iterations/${iteration.id}/hypotheses` });
    expect(res.statusCode, res.body).toBe(200);
    const page = HypothesisPage.parse(res.json());
    expect(page.data.map((h) => [h.id, h.suggested_result.result])).toEqual([
      [a.id, 'validated'],
      [b.id, 'inconclusive'],
    ]);
    expect(page.data[0]?.suggested_result.evaluated_at).toBe(t.clock.now().toISOString());
    expect(await getHypothesis(t, a.id)).toEqual(page.data[0]);
  });
});
