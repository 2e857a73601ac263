import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, type TestApp } from '../../helpers/app';
import { createInitiative, createIteration, createKey, createStartedIteration, transitionIteration } from '../../helpers/factories';
import { errorPaths, expectProblem } from '../../helpers/problems';
import { HypothesisPage, HypothesisSchema } from '../../../src/modules/hypotheses/hypotheses.schemas';
import { createHypothesis, getHypothesis, metric } from './fixtures';

let t: TestApp;
beforeAll(async () => {
  t = await makeApp();
});
afterAll(() => t.close());

const post = (iterationId: string, payload: Record<string, unknown>, key?: string) =>
  t.call({ method: 'POST', url: `/v1/iterations/${iterationId}/hypotheses`, payload, key });
const patch = (id: string, payload: Record<string, unknown>, headers: Record<string, string> = {}, key?: string) =>
  t.call({ method: 'PATCH', url: `/v1/hypotheses/${id}`, payload, headers, key });
const card = (metricKey: string) => ({ statement: 'We believe that scoring leads lifts the win rate', metric: metricKey, operator: 'gte', threshold: 0.25 });

describe('creating a hypothesis', () => {
  it('states the test card on a planned iteration: proposed, with defaults, a Location and an activity row', async () => {
    const ini = await createInitiative(t);
    const v1 = await createIteration(t, ini.key);
    const m = await metric(t);
    const res = await post(v1.id, { ...card(m.key), min_measurements: 3, confidence: 'medium', evidence: 'Pilot in March' });
    expect(res.statusCode, res.body).toBe(201);
    const h = HypothesisSchema.parse(res.json());
    expect(res.headers.location).toBe(`/v1/hypotheses/${h.id}`);
    expect(res.headers.etag).toMatch(/^"v1-/);
    expect(h).toMatchObject({
      iteration_id: v1.id,
      statement: 'We believe that scoring leads lifts the win rate',
      metric: m.key,
      operator: 'gte',
      threshold: 0.25,
      min_measurements: 3,
      confidence: 'medium',
      evidence: 'Pilot in March',
      status: 'proposed',
      review_suggestion: null,
      concluded: null,
      override_reason: null,
      concluded_at: null,
      carried_from: null,
      version: 1,
    });
    const minimal = await createHypothesis(t, v1.id, { metric: m.key, operator: 'lt', threshold: 3 });
    expect(minimal).toMatchObject({ min_measurements: 1, confidence: null, evidence: '' });

    const log = (await t.call({ method: 'GET', url: `/v1/activity?entity_id=${h.id}` })).json().data;
    expect(log).toMatchObject([{ action: 'hypothesis.created', entity_type: 'hypothesis', before: null, after: { id: h.id, metric: m.key } }]);
    expect(log[0].after).not.toHaveProperty('suggested_result');
  });

  it('is created testing in an iteration that has already started', async () => {
    const { iteration } = await createStartedIteration(t);
    const m = await metric(t);
    expect((await createHypothesis(t, iteration.id, { metric: m.key, operator: 'reach_target' })).status).toBe('testing');
  });

  it('needs a threshold with gte, lte, gt, lt and refuses one with reach_target', async () => {
    const { iteration } = await createStartedIteration(t);
    const m = await metric(t);
    const missing = expectProblem(await post(iteration.id, { ...card(m.key), threshold: undefined }), 400, 'validation_failed');
    expect(errorPaths(missing)).toEqual(['body.threshold']);
    const extra = expectProblem(await post(iteration.id, { ...card(m.key), operator: 'reach_target' }), 400, 'validation_failed');
    expect(errorPaths(extra)).toEqual(['body.threshold']);
    expect(extra.errors?.[0]?.message).toContain('reach_target');
    // Compared with sums of measurements, which stay within ±1e15: so does a threshold.
    const huge = expectProblem(await post(iteration.id, { ...card(m.key), threshold: 1e16 }), 400, 'validation_failed');
    expect(errorPaths(huge)).toEqual(['body.threshold']);
    const bad = expectProblem(
      await post(iteration.id, { ...card(m.key), operator: 'between', min_measurements: 0, confidence: 'certain', statement: ' ' }),
      400,
      'validation_failed',
    );
    expect(errorPaths(bad).sort()).toEqual(['body.confidence', 'body.min_measurements', 'body.operator', 'body.statement']);
    expect((await t.call({ method: 'GET', url: `/v1/iterations/${iteration.id}/hypotheses` })).json().data).toEqual([]);
  });

  it('names an unknown metric or iteration with a 404', async () => {
    const { iteration } = await createStartedIteration(t);
    const unknown = expectProblem(await post(iteration.id, card('no_such_metric')), 404, 'not_found');
    expect(unknown.detail).toContain("'no_such_metric'");
    expect(unknown.detail).toContain('metric');
    const m = await metric(t);
    expectProblem(await post('itr_missing', card(m.key)), 404, 'not_found');
    expectProblem(await t.call({ method: 'GET', url: '/v1/hypotheses/hyp_missing' }), 404, 'not_found');
    const conclude = await t.call({ method: 'POST', url: '/v1/hypotheses/hyp_missing/conclude', payload: { result: 'validated' } });
    expect(expectProblem(conclude, 404, 'not_found').detail).toContain("'hyp_missing'");
  });
});

describe('editing the test card', () => {
  it('changes only what is sent, honours If-Match and logs the change', async () => {
    const { iteration } = await createStartedIteration(t);
    const m = await metric(t);
    const other = await metric(t, { direction: 'decrease' });
    const h = await createHypothesis(t, iteration.id, { ...card(m.key), confidence: 'high' });
    const read = await t.call({ method: 'GET', url: `/v1/hypotheses/${h.id}` });
    const etag = String(read.headers.etag);

    const res = await patch(h.id, { threshold: 0.3, metric: other.key, evidence: 'CRM says so' }, { 'if-match': etag });
    expect(res.statusCode, res.body).toBe(200);
    expect(HypothesisSchema.parse(res.json())).toMatchObject({
      threshold: 0.3,
      metric: other.key,
      evidence: 'CRM says so',
      operator: 'gte',
      confidence: 'high',
      version: 2,
    });
    expectProblem(await patch(h.id, { threshold: 0.4 }, { 'if-match': etag }), 412, 'precondition_failed');

    const same = await patch(h.id, { threshold: 0.3 });
    expect(same.json().version).toBe(2);
    const log = (await t.call({ method: 'GET', url: `/v1/activity?entity_id=${h.id}&action=hypothesis.updated` })).json().data;
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ before: { threshold: 0.25, metric: m.key }, after: { threshold: 0.3, metric: other.key } });
    expectProblem(await patch(h.id, { metric: 'nope_metric' }), 404, 'not_found');
    expect((await patch(h.id, { confidence: null })).json()).toMatchObject({ confidence: null, version: 3 });
  });

  it('switching to reach_target needs threshold null, and back needs a threshold', async () => {
    const { iteration } = await createStartedIteration(t);
    const m = await metric(t);
    const h = await createHypothesis(t, iteration.id, card(m.key));
    expect(errorPaths(expectProblem(await patch(h.id, { operator: 'reach_target' }), 400, 'validation_failed'))).toEqual(['body.threshold']);
    const target = await patch(h.id, { operator: 'reach_target', threshold: null });
    expect(target.json()).toMatchObject({ operator: 'reach_target', threshold: null });
    expect(errorPaths(expectProblem(await patch(h.id, { operator: 'lte' }), 400, 'validation_failed'))).toEqual(['body.threshold']);
    expect((await patch(h.id, { operator: 'lte', threshold: 9 })).json()).toMatchObject({ operator: 'lte', threshold: 9 });
    expect(errorPaths(expectProblem(await patch(h.id, { status: 'validated' }), 400, 'validation_failed'))).toEqual(['body.status']);
  });

  it('a read answers 304 while nothing but the evaluation time changed', async () => {
    const { iteration } = await createStartedIteration(t);
    const m = await metric(t);
    const h = await createHypothesis(t, iteration.id, card(m.key));
    const first = await t.call({ method: 'GET', url: `/v1/hypotheses/${h.id}` });
    t.clock.advanceDays(1);
    const again = await t.call({ method: 'GET', url: `/v1/hypotheses/${h.id}`, headers: { 'if-none-match': String(first.headers.etag) } });
    expect(again.statusCode).toBe(304);
  });

  it('is frozen from review on, and in closed or abandoned iterations (409)', async () => {
    const m = await metric(t);
    const { iteration } = await createStartedIteration(t);
    const h = await createHypothesis(t, iteration.id, card(m.key));
    await transitionIteration(t, iteration.id, 'review');
    const inReview = expectProblem(await post(iteration.id, card(m.key)), 409, 'frozen');
    expect(inReview.current_status).toBe('in_review');
    expectProblem(await patch(h.id, { threshold: 0.1 }), 409, 'frozen');
    await transitionIteration(t, iteration.id, 'close', { decision: 'persevere' });
    expect(expectProblem(await post(iteration.id, card(m.key)), 409, 'frozen').current_status).toBe('closed');
    expectProblem(await patch(h.id, { threshold: 0.1 }), 409, 'frozen');

    const ini = await createInitiative(t);
    const planned = await createIteration(t, ini.key);
    const p = await createHypothesis(t, planned.id, card(m.key));
    await transitionIteration(t, planned.id, 'abandon');
    expect(expectProblem(await patch(p.id, { evidence: 'x' }), 409, 'frozen').current_status).toBe('abandoned');
    expect((await getHypothesis(t, h.id)).threshold).toBe(0.25);
  });
});

describe('who may do what', () => {
  it("editors of the initiative's team and admins write; other editors and viewers get 403; everyone reads", async () => {
    const { iteration, team } = await createStartedIteration(t);
    const m = await metric(t);
    const own = await createKey(t, 'editor', [team.key]);
    const stranger = await createKey(t, 'editor', [(await createInitiative(t)).team.key]);
    const viewer = await createKey(t, 'viewer');

    const h = await createHypothesis(t, iteration.id, card(m.key), own.secret);
    expectProblem(await post(iteration.id, card(m.key), stranger.secret), 403, 'forbidden');
    expectProblem(await post(iteration.id, card(m.key), viewer.secret), 403, 'forbidden');
    expectProblem(await patch(h.id, { threshold: 1 }, {}, stranger.secret), 403, 'forbidden');
    expect((await patch(h.id, { threshold: 1 }, {}, own.secret)).statusCode).toBe(200);
    const conclude = (key: string) =>
      t.call({ method: 'POST', url: `/v1/hypotheses/${h.id}/conclude`, key, payload: { result: 'inconclusive', override_reason: 'x' } });
    expectProblem(await conclude(stranger.secret), 403, 'forbidden');
    expectProblem(await conclude(viewer.secret), 403, 'forbidden');

    for (const key of [viewer.secret, stranger.secret]) {
      expect((await t.call({ method: 'GET', url: `/v1/hypotheses/${h.id}`, key })).statusCode).toBe(200);
      const list = await t.call({ method: 'GET', url: `/v1/iterations/${iteration.id}/hypotheses`, key });
      expect(HypothesisPage.parse(list.json()).data.map((x) => x.id)).toEqual([h.id]);
    }
  });
});

describe('listing', () => {
  it('pages oldest first and filters by status', async () => {
    const ini = await createInitiative(t);
    const v1 = await createIteration(t, ini.key);
    const m = await metric(t);
    const a = await createHypothesis(t, v1.id, card(m.key));
    const b = await createHypothesis(t, v1.id, card(m.key));
    await transitionIteration(t, v1.id, 'start');
    const c = await createHypothesis(t, v1.id, card(m.key));
    await t.call({ method: 'POST', url: `/v1/hypotheses/${b.id}/conclude`, payload: { result: 'inconclusive', override_reason: 'no data' } });

    const first = await t.call({ method: 'GET', url: `/v1/iterations/${v1.id}/hypotheses?limit=2` });
    expect(first.json().data.map((h: { id: string }) => h.id)).toEqual([a.id, b.id]);
    expect(first.headers.link).toContain('rel="next"');
    const rest = (await t.call({ method: 'GET', url: `/v1/iterations/${v1.id}/hypotheses?cursor=${first.json().next_cursor}` })).json();
    expect(rest).toMatchObject({ data: [{ id: c.id }], next_cursor: null });
    const testing = (await t.call({ method: 'GET', url: `/v1/iterations/${v1.id}/hypotheses?status=testing` })).json().data;
    expect(testing.map((h: { id: string }) => h.id)).toEqual([a.id, c.id]);
    expectProblem(await t.call({ method: 'GET', url: '/v1/iterations/itr_missing/hypotheses' }), 404, 'not_found');
  });
});
