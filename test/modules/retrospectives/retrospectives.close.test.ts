import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, type TestApp } from '../../helpers/app';
import { createInitiative, createIteration, createMetric, putRetrospective, transitionIteration } from '../../helpers/factories';
import { errorPaths, expectProblem } from '../../helpers/problems';
import { IterationDiffSchema, IterationSchema } from '../../../src/modules/iterations/iterations.schemas';
import { RetrospectiveSchema, type Retrospective } from '../../../src/modules/retrospectives/retrospectives.schemas';
import { getTracked, track } from '../tracked-metrics/tracked-metrics.helpers';

let t: TestApp;
beforeAll(async () => {
  t = await makeApp();
});
afterAll(() => t.close());

const close = (id: string, payload?: Record<string, unknown>) =>
  t.call({ method: 'POST', url: `/v1/iterations/${id}/close`, ...(payload ? { payload } : {}) });
const retrospective = async (id: string): Promise<Retrospective> => {
  const res = await t.call({ method: 'GET', url: `/v1/iterations/${id}/retrospective` });
  expect(res.statusCode, res.body).toBe(200);
  return RetrospectiveSchema.parse(res.json());
};

/** A v1 in review of a fresh initiative. */
async function inReview() {
  const initiative = await createInitiative(t);
  const v1 = await createIteration(t, initiative.key);
  await transitionIteration(t, v1.id, 'start');
  await transitionIteration(t, v1.id, 'review');
  return { initiative, v1 };
}

describe('closing with the retrospective', () => {
  it("may omit the decision (and the body) when the retrospective has one: the retrospective's is used", async () => {
    const { initiative, v1 } = await inReview();
    await putRetrospective(t, v1.id, { decision: 'adopt', decision_reason: 'It works' });
    const res = await close(v1.id);
    expect(res.statusCode, res.body).toBe(200);
    expect(IterationSchema.parse(res.json())).toMatchObject({ status: 'closed', decision: 'adopt' });
    // adopt, taken from the retrospective, completes the initiative as a sent one would.
    expect((await t.call({ method: 'GET', url: `/v1/initiatives/${initiative.key}` })).json()).toMatchObject({ status: 'adopted' });
    // A retry without a decision, or with the same one, returns the iteration unchanged.
    for (const payload of [undefined, {}, { decision: 'adopt' }]) {
      const again = await close(v1.id, payload);
      expect(again.statusCode, again.body).toBe(200);
      expect(again.json()).toEqual(res.json());
    }
  });

  it('takes the decision from the body when the retrospective has none, and the body agrees with it otherwise', async () => {
    const { v1 } = await inReview();
    await putRetrospective(t, v1.id, { went_well: ['Shipped'] });
    expect(IterationSchema.parse((await close(v1.id, { decision: 'persevere', outcome: 'More' })).json())).toMatchObject({
      decision: 'persevere',
      outcome: 'More',
    });
    expect((await retrospective(v1.id)).decision).toBeNull();

    const second = await inReview();
    await putRetrospective(t, second.v1.id, { decision: 'pivot' });
    expect((await close(second.v1.id, { decision: 'pivot' })).statusCode).toBe(200);
  });

  it('without a decision in the body or the retrospective is a 400 naming body.decision, and nothing changes', async () => {
    const { v1 } = await inReview();
    for (const payload of [undefined, { outcome: 'Done' }]) {
      const problem = expectProblem(await close(v1.id, payload), 400, 'validation_failed');
      expect(errorPaths(problem)).toEqual(['body.decision']);
      expect(problem.detail).toContain(`PUT /v1/iterations/${v1.id}/retrospective`);
    }
    await putRetrospective(t, v1.id, { went_well: ['x'] });
    expectProblem(await close(v1.id), 400, 'validation_failed');
    expect((await t.call({ method: 'GET', url: `/v1/iterations/${v1.id}` })).json()).toMatchObject({ status: 'in_review', decision: null });
    expect((await retrospective(v1.id)).frozen_at).toBeNull();
  });

  it("a decision contradicting the retrospective's is a 409 naming both; nothing is closed", async () => {
    const { v1 } = await inReview();
    await putRetrospective(t, v1.id, { decision: 'pivot' });
    const problem = expectProblem(await close(v1.id, { decision: 'stop' }), 409, 'conflict');
    expect(problem).toMatchObject({ decision: 'stop', retrospective_decision: 'pivot' });
    expect(problem.detail).toContain("'stop'");
    expect(problem.detail).toContain("'pivot'");
    expect((await t.call({ method: 'GET', url: `/v1/iterations/${v1.id}` })).json()).toMatchObject({ status: 'in_review' });

    // After the close, a retry contradicting it is refused as well.
    await close(v1.id);
    expectProblem(await close(v1.id, { decision: 'stop' }), 409, 'conflict');
  });

  it('closing without a retrospective creates none', async () => {
    const { v1 } = await inReview();
    expect((await close(v1.id, { decision: 'persevere' })).statusCode).toBe(200);
    expectProblem(await t.call({ method: 'GET', url: `/v1/iterations/${v1.id}/retrospective` }), 404, 'not_found');
  });
});

describe('the snapshot', () => {
  it('stores the version as it ended and never changes: not with a late measurement, nor a new metric definition', async () => {
    const initiative = await createInitiative(t);
    const v1 = await createIteration(t, initiative.key, { planned_start: '2026-01-05T00:00:00Z', planned_end: '2026-01-15T00:00:00Z' });
    const m = await createMetric(t, { key: 'win_rate_snap', unit: 'ratio', aggregation: 'latest' });
    await track(t, v1.id, { metric: m.key, baseline: 0.2, target: 0.3 });
    const hyp = await t.call({
      method: 'POST',
      url: `/v1/iterations/${v1.id}/hypotheses`,
      payload: { statement: 'We believe scoring lifts the win rate', metric: m.key, operator: 'gte', threshold: 0.24 },
    });
    expect(hyp.statusCode, hyp.body).toBe(201);
    await transitionIteration(t, v1.id, 'start');
    const measure = (value: number, observed_at?: string) =>
      t.call({ method: 'POST', url: '/v1/measurements', payload: { metric: m.key, initiative: initiative.key, value, ...(observed_at ? { observed_at } : {}) } });
    t.clock.advanceDays(1);
    expect((await measure(0.22)).statusCode).toBe(201);
    t.clock.advanceDays(1);
    expect((await measure(0.25)).statusCode).toBe(201);
    await transitionIteration(t, v1.id, 'review');
    const concluded = await t.call({ method: 'POST', url: `/v1/hypotheses/${hyp.json().id}/conclude`, payload: { result: 'validated' } });
    expect(concluded.statusCode, concluded.body).toBe(200);
    const { retrospective: written } = await putRetrospective(t, v1.id, {
      learnings: [{ observed: 'Win rate rose', learned: 'Scores help' }],
      decision: 'persevere',
    });
    t.clock.advanceDays(1);
    await transitionIteration(t, v1.id, 'close');
    const closedAt = t.clock.now().toISOString();

    const frozen = await retrospective(v1.id);
    expect(frozen).toMatchObject({ frozen_at: closedAt, version: written.version + 1, decision: 'persevere' });
    expect(frozen.snapshot).toEqual({
      taken_at: closedAt,
      iteration_status: 'closed',
      decision: 'persevere',
      hypotheses: [
        {
          id: hyp.json().id,
          statement: 'We believe scoring lifts the win rate',
          metric: m.key,
          operator: 'gte',
          threshold: 0.24,
          suggested_result: expect.objectContaining({ result: 'validated', value: 0.25, measurements_count: 2 }),
          status: 'validated',
          override_reason: null,
        },
      ],
      tracked_metrics: [
        {
          id: expect.any(String),
          metric: m.key,
          definition_version: 1,
          baseline: 0.2,
          current: 0.25,
          target: 0.3,
          progress: expect.closeTo(0.5, 9),
          health: 'on_track',
          measurements_count: 2,
        },
      ],
    });

    // A late measurement lands on the closed v1 ...
    const late = await measure(0.4, '2026-01-06T12:00:00Z');
    expect(late.statusCode, late.body).toBe(201);
    expect(late.json()).toMatchObject({ iteration_id: v1.id, late: true });
    // ... and a new definition starts: the live reading moves, the snapshot does not.
    const patched = await t.call({ method: 'PATCH', url: `/v1/metrics/${m.key}`, payload: { aggregation: 'max' } });
    expect(patched.json()).toMatchObject({ definition_version: 2 });
    expect((await getTracked(t, v1.id, m.key)).metric.definition_version).toBe(2);
    expect(await retrospective(v1.id)).toEqual(frozen);
  });
});

describe('the diff of two versions', () => {
  it("includes each version's retrospective decision (null without one)", async () => {
    const { initiative, v1 } = await inReview();
    await putRetrospective(t, v1.id, { decision: 'pivot' });
    await close(v1.id);
    const v2 = await createIteration(t, initiative.key);
    const diff = async () => IterationDiffSchema.parse((await t.call({ method: 'GET', url: `/v1/initiatives/${initiative.key}/iterations/1/diff/2` })).json());
    expect((await diff()).decisions).toEqual({ from: 'pivot', to: null });
    await transitionIteration(t, v2.id, 'start');
    await putRetrospective(t, v2.id, { decision: 'persevere' });
    expect((await diff()).decisions).toEqual({ from: 'pivot', to: 'persevere' });
  });
});
