import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, type TestApp } from '../../helpers/app';
import { createInitiative, createIteration, transitionIteration } from '../../helpers/factories';
import { errorPaths, expectProblem } from '../../helpers/problems';
import { HypothesisSchema, type Hypothesis } from '../../../src/modules/hypotheses/hypotheses.schemas';
import { IterationDiffSchema } from '../../../src/modules/iterations/iterations.schemas';
import { createHypothesis, getHypothesis, measure, metric, type Where } from './fixtures';

let t: TestApp;
beforeAll(async () => {
  t = await makeApp();
});
afterAll(() => t.close());

const conclude = (id: string, payload: Record<string, unknown>, headers: Record<string, string> = {}) =>
  t.call({ method: 'POST', url: `/v1/hypotheses/${id}/conclude`, payload, headers });

/** A planned v1 with a metric (latest, increase) to measure in it. */
async function planned() {
  const initiative = await createInitiative(t);
  const iteration = await createIteration(t, initiative.key);
  const m = await metric(t, { aggregation: 'latest' });
  const where: Where = { metricId: m.id, iterationId: iteration.id, initiativeId: initiative.id };
  return { initiative, iteration, m, where };
}

describe('status follows the iteration', () => {
  it('starting the iteration moves every proposed hypothesis to testing', async () => {
    const { iteration, m } = await planned();
    const a = await createHypothesis(t, iteration.id, { metric: m.key, operator: 'gte', threshold: 1 });
    const b = await createHypothesis(t, iteration.id, { metric: m.key, operator: 'reach_target' });
    expect([a.status, b.status]).toEqual(['proposed', 'proposed']);
    await transitionIteration(t, iteration.id, 'start');
    for (const h of [a, b]) expect(await getHypothesis(t, h.id)).toMatchObject({ status: 'testing', version: 2 });
    const log = (await t.call({ method: 'GET', url: `/v1/activity?entity_id=${a.id}&action=hypothesis.testing_started` })).json().data;
    expect(log).toMatchObject([{ before: { status: 'proposed' }, after: { status: 'testing' } }]);
  });

  it('going to review stores each suggestion as it stood; later measurements change only the live one', async () => {
    const { iteration, m, where } = await planned();
    const h = await createHypothesis(t, iteration.id, { metric: m.key, operator: 'gte', threshold: 0.25, min_measurements: 2 });
    await transitionIteration(t, iteration.id, 'start');
    measure(t, where, [0.2, 0.27]);
    expect((await getHypothesis(t, h.id)).review_suggestion).toBeNull();

    const reviewedAt = t.clock.now().toISOString();
    await transitionIteration(t, iteration.id, 'review');
    t.clock.advanceDays(1);
    measure(t, where, [0.1]);
    const after = await getHypothesis(t, h.id);
    expect(after.review_suggestion).toEqual({
      result: 'validated',
      value: 0.27,
      measurements_count: 2,
      reason: `${m.key} is 0.27 (latest of 2 measurements), which meets >= 0.25.`,
      evaluated_at: reviewedAt,
    });
    expect(after.suggested_result).toMatchObject({ result: 'invalidated', value: 0.1, measurements_count: 3 });
    expect(after.status).toBe('testing');
  });
});

describe('concluding', () => {
  it('confirms the suggestion without a reason, keeping the suggestion next to the decision', async () => {
    const { iteration, m, where } = await planned();
    const h = await createHypothesis(t, iteration.id, { metric: m.key, operator: 'gte', threshold: 0.25 });
    await transitionIteration(t, iteration.id, 'start');
    measure(t, where, [0.3]);
    const res = await conclude(h.id, { result: 'validated' });
    expect(res.statusCode, res.body).toBe(200);
    const done = HypothesisSchema.parse(res.json());
    const now = t.clock.now().toISOString();
    expect(done).toMatchObject({ status: 'validated', override_reason: null, concluded_at: now, review_suggestion: null });
    expect(done.concluded).toEqual({
      result: 'validated',
      suggested_result: { result: 'validated', value: 0.3, measurements_count: 1, reason: expect.stringContaining('meets >= 0.25'), evaluated_at: now },
      override_reason: null,
      concluded_at: now,
    });
    // The same decision again changes nothing.
    expect((await conclude(h.id, { result: 'validated' })).json().version).toBe(done.version);
    const log = (await t.call({ method: 'GET', url: `/v1/activity?entity_id=${h.id}&action=hypothesis.concluded` })).json().data;
    expect(log).toMatchObject([{ before: { status: 'testing', concluded: null }, after: { status: 'validated' } }]);
  });

  it('overriding the suggestion needs override_reason (422 naming the field); both are kept', async () => {
    const { iteration, m, where } = await planned();
    const h = await createHypothesis(t, iteration.id, { metric: m.key, operator: 'gte', threshold: 0.25 });
    await transitionIteration(t, iteration.id, 'start');
    measure(t, where, [0.3]);
    await transitionIteration(t, iteration.id, 'review');

    const refused = expectProblem(await conclude(h.id, { result: 'inconclusive' }), 422, 'override_reason_required');
    expect(errorPaths(refused)).toEqual(['body.override_reason']);
    expect(refused.detail).toContain('validated');
    expect(refused.suggested_result).toMatchObject({ result: 'validated', value: 0.3 });
    expect((await getHypothesis(t, h.id)).status).toBe('testing');

    const etag = String((await t.call({ method: 'GET', url: `/v1/hypotheses/${h.id}` })).headers.etag);
    const reason = 'A price cut mid-iteration moved win rate on its own.';
    const res = await conclude(h.id, { result: 'inconclusive', override_reason: reason }, { 'if-match': etag });
    expect(res.statusCode, res.body).toBe(200);
    const done = HypothesisSchema.parse(res.json());
    expect(done).toMatchObject({ status: 'inconclusive', override_reason: reason });
    expect(done.concluded).toMatchObject({ result: 'inconclusive', suggested_result: { result: 'validated' }, override_reason: reason });
    expect(done.review_suggestion).toMatchObject({ result: 'validated' });
    expectProblem(await conclude(h.id, { result: 'invalidated', override_reason: 'x' }, { 'if-match': etag }), 412, 'precondition_failed');
  });

  it('an insufficient_data suggestion can only be overridden', async () => {
    const { iteration, m } = await planned();
    const h = await createHypothesis(t, iteration.id, { metric: m.key, operator: 'lt', threshold: 5 });
    await transitionIteration(t, iteration.id, 'start');
    expectProblem(await conclude(h.id, { result: 'inconclusive' }), 422, 'override_reason_required');
    expectProblem(await conclude(h.id, { result: 'insufficient_data' }), 400, 'validation_failed');
    expect((await conclude(h.id, { result: 'inconclusive', override_reason: 'Never got the data' })).statusCode).toBe(200);
  });

  it('is possible only while the iteration is under construction or in review (409)', async () => {
    const { iteration, m } = await planned();
    const h = await createHypothesis(t, iteration.id, { metric: m.key, operator: 'lt', threshold: 5 });
    const early = expectProblem(await conclude(h.id, { result: 'inconclusive', override_reason: 'x' }), 409, 'conflict');
    expect(early.current_status).toBe('planned');
    await transitionIteration(t, iteration.id, 'start');
    await transitionIteration(t, iteration.id, 'review');
    await transitionIteration(t, iteration.id, 'close', { decision: 'pivot' });
    expectProblem(await conclude(h.id, { result: 'inconclusive', override_reason: 'x' }), 409, 'frozen');
  });
});

describe('carry-over and the diff between versions', () => {
  it('carries hypotheses that ended neither validated nor invalidated, and the diff lists added, dropped and changed', async () => {
    const { initiative, iteration: v1, m, where } = await planned();
    const make = (statement: string, threshold: number) => createHypothesis(t, v1.id, { statement, metric: m.key, operator: 'gte', threshold });
    const won = await make('We believe that A', 0.2);
    const lost = await make('We believe that B', 0.9);
    const unclear = await make('We believe that C', 0.5);
    const open = await make('We believe that D', 0.6);
    await transitionIteration(t, v1.id, 'start');
    measure(t, where, [0.4]);
    await conclude(won.id, { result: 'validated' });
    await conclude(lost.id, { result: 'invalidated' });
    await conclude(unclear.id, { result: 'inconclusive', override_reason: 'Seasonal dip' });
    await transitionIteration(t, v1.id, 'review');
    await transitionIteration(t, v1.id, 'close', { decision: 'persevere' });

    const v2 = await createIteration(t, initiative.key);
    const carried = v2.carried.find((c) => c.kind === 'hypotheses')?.items ?? [];
    expect(carried.map((c) => c.carried_from)).toEqual([unclear.id, open.id]);
    const list = (await t.call({ method: 'GET', url: `/v1/iterations/${v2.id}/hypotheses` })).json().data as Hypothesis[];
    expect(list.map((h) => [h.id, h.statement, h.status, h.carried_from, h.review_suggestion, h.concluded, h.version])).toEqual([
      [carried[0]?.id, 'We believe that C', 'proposed', unclear.id, null, null, 1],
      [carried[1]?.id, 'We believe that D', 'proposed', open.id, null, null, 1],
    ]);
    // The copy starts without v1's measurements: they belong to v1.
    expect(list[0]?.suggested_result).toMatchObject({ result: 'insufficient_data', measurements_count: 0 });

    await t.call({ method: 'PATCH', url: `/v1/hypotheses/${carried[1]?.id}`, payload: { threshold: 0.45 } });
    const added = await createHypothesis(t, v2.id, { statement: 'We believe that E', metric: m.key, operator: 'reach_target' });

    const res = await t.call({ method: 'GET', url: `/v1/initiatives/${initiative.key}/iterations/1/diff/2` });
    expect(res.statusCode, res.body).toBe(200);
    const diff = IterationDiffSchema.parse(res.json()).items.hypotheses;
    const fields = (statement: string, threshold: number | null, status: string, operator = 'gte') => ({ statement, metric: m.key, operator, threshold, status });
    expect(diff?.added).toEqual([{ id: added.id, ...fields('We believe that E', null, 'proposed', 'reach_target') }]);
    expect(diff?.removed).toEqual([
      { id: won.id, ...fields('We believe that A', 0.2, 'validated') },
      { id: lost.id, ...fields('We believe that B', 0.9, 'invalidated') },
    ]);
    expect(diff?.changed).toEqual([
      { lineage: unclear.id, from_id: unclear.id, to_id: carried[0]?.id, fields: { status: { from: 'inconclusive', to: 'proposed' } } },
      {
        lineage: open.id,
        from_id: open.id,
        to_id: carried[1]?.id,
        fields: { threshold: { from: 0.6, to: 0.45 }, status: { from: 'testing', to: 'proposed' } },
      },
    ]);

    // The lineage is the first of the chain, so v1 and v3 still match across v2.
    await transitionIteration(t, v2.id, 'abandon');
    const v3 = await createIteration(t, initiative.key);
    const third = v3.carried.find((c) => c.kind === 'hypotheses')?.items ?? [];
    expect(third.map((c) => c.carried_from)).toEqual([carried[0]?.id, carried[1]?.id, added.id]);
    const across = IterationDiffSchema.parse((await t.call({ method: 'GET', url: `/v1/initiatives/${initiative.key}/iterations/1/diff/3` })).json());
    expect(across.items.hypotheses?.changed.map((c) => [c.lineage, c.to_id])).toEqual([
      [unclear.id, third[0]?.id],
      [open.id, third[1]?.id],
    ]);
    expect(across.items.hypotheses?.added.map((a) => a.id)).toEqual([third[2]?.id]);
  });

  it('carry_over: false leaves the open hypotheses behind', async () => {
    const { initiative, iteration: v1, m } = await planned();
    await createHypothesis(t, v1.id, { metric: m.key, operator: 'gte', threshold: 1 });
    const v2 = await createIteration(t, initiative.key, { carry_over: false });
    expect((await t.call({ method: 'GET', url: `/v1/iterations/${v2.id}/hypotheses` })).json().data).toEqual([]);
  });
});
