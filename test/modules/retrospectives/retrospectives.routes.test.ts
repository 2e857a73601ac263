import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, type TestApp } from '../../helpers/app';
import { createInitiative, createIteration, createKey, createTeam, createStartedIteration, putRetrospective, transitionIteration } from '../../helpers/factories';
import { errorPaths, expectProblem } from '../../helpers/problems';
import { RetrospectiveSchema } from '../../../src/modules/retrospectives/retrospectives.schemas';

let t: TestApp;
beforeAll(async () => {
  t = await makeApp();
});
afterAll(() => t.close());

const url = (id: string) => `/v1/iterations/${id}/retrospective`;
const put = (id: string, payload: unknown, headers: Record<string, string> = {}, key?: string) =>
  t.call({ method: 'PUT', url: url(id), payload: payload as Record<string, unknown>, headers, key });
const activityOf = async (id: string) =>
  (await t.call({ method: 'GET', url: `/v1/activity?entity_type=retrospective&entity_id=${id}` })).json().data as Array<{
    action: string;
    before: Record<string, unknown> | null;
    after: Record<string, unknown> | null;
  }>;

const CARD = {
  went_well: ['SDRs used the scores'],
  to_improve: ['Agree the export date first'],
  learnings: [{ observed: 'AEs ignored lead scores', learned: 'AEs work accounts' }],
  decision: 'pivot',
  decision_reason: 'Score accounts instead',
};

describe('GET and PUT /v1/iterations/{id}/retrospective', () => {
  it('is a 404 problem until written, then PUT creates it (201, Location, ETag) and GET reads it back', async () => {
    const { iteration } = await createStartedIteration(t);
    const missing = expectProblem(await t.call({ method: 'GET', url: url(iteration.id) }), 404, 'not_found');
    expect(missing.detail).toContain(`PUT /v1/iterations/${iteration.id}/retrospective`);

    const res = await put(iteration.id, CARD);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.headers.location).toBe(url(iteration.id));
    expect(res.headers.etag).toMatch(/^"v1-/);
    const created = RetrospectiveSchema.parse(res.json());
    expect(created).toEqual({
      iteration_id: iteration.id,
      ...CARD,
      snapshot: null,
      frozen_at: null,
      version: 1,
      created_at: t.clock.now().toISOString(),
      updated_at: t.clock.now().toISOString(),
    });
    const read = await t.call({ method: 'GET', url: url(iteration.id) });
    expect(read.json()).toEqual(created);
    expect(read.headers.etag).toBe(res.headers.etag);
    const cached = await t.call({ method: 'GET', url: url(iteration.id), headers: { 'if-none-match': String(read.headers.etag) } });
    expect(cached.statusCode).toBe(304);
    expect((await activityOf(iteration.id)).map((a) => a.action)).toEqual(['retrospective.created']);
  });

  it('a PUT replaces the whole card and needs If-Match once it exists: 428 without, 412 when stale', async () => {
    const { iteration } = await createStartedIteration(t);
    const { etag } = await putRetrospective(t, iteration.id, CARD);

    const without = expectProblem(await put(iteration.id, { went_well: ['x'] }), 428, 'precondition_required');
    expect(without.detail).toMatch(/If-Match/);

    t.clock.advanceDays(1);
    const res = await put(iteration.id, { learnings: [{ observed: 'o', learned: 'l' }], decision: null }, { 'if-match': etag });
    expect(res.statusCode, res.body).toBe(200);
    // Fields left out are emptied: PUT is a replacement.
    expect(RetrospectiveSchema.parse(res.json())).toMatchObject({
      went_well: [],
      to_improve: [],
      learnings: [{ observed: 'o', learned: 'l' }],
      decision: null,
      decision_reason: '',
      version: 2,
      updated_at: t.clock.now().toISOString(),
    });

    const stale = expectProblem(await put(iteration.id, CARD, { 'if-match': etag }), 412, 'precondition_failed');
    expect(stale.current_version).toBe(2);
    expect(RetrospectiveSchema.parse((await t.call({ method: 'GET', url: url(iteration.id) })).json()).version).toBe(2);

    // The same card again is no change: no new version, no activity.
    const same = await put(iteration.id, { learnings: [{ observed: 'o', learned: 'l' }] }, { 'if-match': String(res.headers.etag) });
    expect(same.json()).toMatchObject({ version: 2 });
    const log = await activityOf(iteration.id);
    // Newest first.
    expect(log.map((a) => a.action)).toEqual(['retrospective.updated', 'retrospective.created']);
    expect(log[0]).toMatchObject({ before: { decision: 'pivot' }, after: { decision: null } });
  });

  it('If-Match on a retrospective that does not exist yet is a 412 and creates nothing', async () => {
    const { iteration } = await createStartedIteration(t);
    expectProblem(await put(iteration.id, CARD, { 'if-match': '"v1-abc"' }), 412, 'precondition_failed');
    expectProblem(await t.call({ method: 'GET', url: url(iteration.id) }), 404, 'not_found');
  });

  it('is writable while under_construction or in_review only: planned is a 409, closed and abandoned are frozen', async () => {
    const initiative = await createInitiative(t);
    const v1 = await createIteration(t, initiative.key);
    const planned = expectProblem(await put(v1.id, CARD), 409, 'conflict');
    expect(planned.detail).toMatch(/start it/);

    await transitionIteration(t, v1.id, 'start');
    await transitionIteration(t, v1.id, 'review');
    const { etag } = await putRetrospective(t, v1.id, { ...CARD, decision: 'persevere' });
    await transitionIteration(t, v1.id, 'close');
    const closed = expectProblem(await put(v1.id, CARD, { 'if-match': '*' }), 409, 'frozen');
    expect(closed.current_status).toBe('closed');
    expectProblem(await put(v1.id, CARD, { 'if-match': etag }), 409, 'frozen');

    const v2 = await createIteration(t, initiative.key);
    await transitionIteration(t, v2.id, 'start');
    await putRetrospective(t, v2.id, CARD);
    await transitionIteration(t, v2.id, 'abandon');
    expectProblem(await put(v2.id, CARD, { 'if-match': '*' }), 409, 'frozen');
    // Abandoning freezes it too, with the snapshot of how the version ended.
    const abandoned = RetrospectiveSchema.parse((await t.call({ method: 'GET', url: url(v2.id) })).json());
    expect(abandoned.frozen_at).toBe(t.clock.now().toISOString());
    expect(abandoned.snapshot).toMatchObject({ iteration_status: 'abandoned', decision: null, hypotheses: [], tracked_metrics: [] });
  });

  it("editors of the initiative's team and admins write; other editors and viewers get 403; everyone reads", async () => {
    const { team, iteration } = await createStartedIteration(t);
    const mine = await createKey(t, 'editor', [team.key]);
    const other = await createKey(t, 'editor', [(await createTeam(t)).key]);
    const viewer = await createKey(t, 'viewer');
    expectProblem(await put(iteration.id, CARD, {}, other.secret), 403, 'forbidden');
    expectProblem(await put(iteration.id, CARD, {}, viewer.secret), 403, 'forbidden');
    expect((await put(iteration.id, CARD, {}, mine.secret)).statusCode).toBe(201);
    expect((await t.call({ method: 'GET', url: url(iteration.id), key: viewer.secret })).statusCode).toBe(200);
    expectProblem(await put('itr_nope', CARD), 404, 'not_found');
  });

  it('refuses bad input with a 400 naming each field, and writes nothing', async () => {
    const { iteration } = await createStartedIteration(t);
    const cases: Array<[unknown, string[]]> = [
      [{ went_well: [''] }, ['body.went_well.0']],
      [{ to_improve: ['x'.repeat(1001)] }, ['body.to_improve.0']],
      [{ went_well: Array.from({ length: 51 }, () => 'x') }, ['body.went_well']],
      [{ learnings: [{ observed: 'o' }] }, ['body.learnings.0.learned']],
      [{ learnings: [{ observed: 'o', learned: 'l', extra: 1 }] }, ['body.learnings.0.extra']],
      [{ decision: 'maybe', decision_reason: 'x'.repeat(4001) }, ['body.decision', 'body.decision_reason']],
      [{ snapshot: {} }, ['body.snapshot']],
    ];
    for (const [payload, paths] of cases) {
      const problem = expectProblem(await put(iteration.id, payload), 400, 'validation_failed');
      for (const p of paths) expect(errorPaths(problem), JSON.stringify(payload)).toContain(p);
    }
    expectProblem(await t.call({ method: 'GET', url: url(iteration.id) }), 404, 'not_found');
    expect(await activityOf(iteration.id)).toEqual([]);
  });
});
