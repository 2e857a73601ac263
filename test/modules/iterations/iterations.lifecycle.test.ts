import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, type TestApp } from '../../helpers/app';
import { expectProblem } from '../../helpers/problems';
import { transitionIteration, createInitiative, createIteration } from '../../helpers/factories';
import { IterationSchema } from '../../../src/modules/iterations/iterations.schemas';

let t: TestApp;
beforeAll(async () => {
  t = await makeApp();
});
afterAll(() => t.close());

const getInitiative = async (key: string) => (await t.call({ method: 'GET', url: `/v1/initiatives/${key}` })).json();

describe('an initiative lives through its versions', () => {
  it('v1 planned -> started -> reviewed -> closed (pivot) -> v2 carried -> started -> closed (adopt) -> adopted', async () => {
    const ini = await createInitiative(t);
    const v1 = await createIteration(t, ini.key, {
      goal: 'Lift win rate on scored leads',
      planned_start: '2026-01-05T00:00:00Z',
      planned_end: '2026-02-02T00:00:00Z',
    });
    expect(v1).toMatchObject({ number: 1, title: 'v1', status: 'planned', based_on: null, carried: [] });
    expect(v1.allowed_actions).toEqual(['start', 'abandon']);
    expect((await getInitiative(ini.key)).current_iteration).toMatchObject({ id: v1.id, number: 1, status: 'planned' });

    t.clock.set('2026-01-05T10:00:00.000Z');
    const started = await transitionIteration(t, v1.id, 'start');
    expect(started).toMatchObject({ status: 'under_construction', started_at: '2026-01-05T10:00:00.000Z', version: 2 });

    t.clock.set('2026-02-01T10:00:00.000Z');
    const reviewing = await transitionIteration(t, v1.id, 'review');
    expect(reviewing).toMatchObject({ status: 'in_review', review_started_at: '2026-02-01T10:00:00.000Z' });

    const closed = await transitionIteration(t, v1.id, 'close', { decision: 'pivot', outcome: 'SDRs liked it, AEs did not' });
    expect(closed).toMatchObject({ status: 'closed', decision: 'pivot', outcome: 'SDRs liked it, AEs did not', allowed_actions: [] });
    expect((await getInitiative(ini.key)).status).toBe('active');

    const v2 = await createIteration(t, ini.key, { goal: 'Score accounts instead' });
    expect(v2).toMatchObject({ number: 2, status: 'planned', based_on: { id: v1.id, number: 1 } });
    await transitionIteration(t, v2.id, 'start');
    await transitionIteration(t, v2.id, 'review');
    const adopted = await transitionIteration(t, v2.id, 'close', { decision: 'adopt' });
    expect(adopted.decision).toBe('adopt');

    const after = await getInitiative(ini.key);
    expect(after.status).toBe('adopted');
    expect(after.current_iteration).toMatchObject({ id: v2.id, number: 2, status: 'closed' });

    const actions = (await t.call({ method: 'GET', url: `/v1/activity?entity_id=${v2.id}` })).json().data.map((a: { action: string }) => a.action);
    expect(actions).toEqual(['iteration.closed', 'iteration.review_started', 'iteration.started', 'iteration.created']);
    const iniActions = (await t.call({ method: 'GET', url: `/v1/activity?entity_id=${ini.id}` })).json().data;
    expect(iniActions[0]).toMatchObject({ action: 'initiative.status_changed', before: { status: 'active' }, after: { status: 'adopted' } });

    const next = await t.call({ method: 'POST', url: `/v1/initiatives/${ini.key}/iterations`, payload: {} });
    expectProblem(next, 409, 'conflict');
  });

  it('stop ends the initiative as stopped; persevere keeps it active', async () => {
    for (const [decision, status] of [['stop', 'stopped'], ['persevere', 'active']] as const) {
      const ini = await createInitiative(t);
      const it1 = await createIteration(t, ini.key);
      await transitionIteration(t, it1.id, 'start');
      await transitionIteration(t, it1.id, 'review');
      await transitionIteration(t, it1.id, 'close', { decision });
      expect((await getInitiative(ini.key)).status).toBe(status);
    }
  });
});

describe('forbidden transitions', () => {
  // [action, from status] pairs that the lifecycle does not allow.
  const forbidden: Array<[string, string]> = [
    ['review', 'planned'],
    ['close', 'planned'],
    ['start', 'in_review'],
    ['close', 'under_construction'],
    ['abandon', 'in_review'],
    ['start', 'closed'],
    ['review', 'closed'],
    ['abandon', 'closed'],
    ['start', 'abandoned'],
    ['review', 'abandoned'],
    ['close', 'abandoned'],
  ];
  const path: Record<string, Array<['start' | 'review' | 'close' | 'abandon', Record<string, unknown>?]>> = {
    planned: [],
    under_construction: [['start']],
    in_review: [['start'], ['review']],
    closed: [['start'], ['review'], ['close', { decision: 'persevere' }]],
    abandoned: [['abandon']],
  };

  it.each(forbidden)('%s from %s is 409 naming the status and the allowed actions', async (action, from) => {
    const ini = await createInitiative(t);
    const it1 = await createIteration(t, ini.key);
    for (const [step, body] of path[from] ?? []) await transitionIteration(t, it1.id, step, body);
    const res = await t.call({ method: 'POST', url: `/v1/iterations/${it1.id}/${action}`, payload: action === 'close' ? { decision: 'pivot' } : undefined });
    const problem = expectProblem(res, 409, 'invalid_transition');
    expect(problem.current_status).toBe(from);
    const allowed = { planned: ['start', 'abandon'], under_construction: ['review', 'abandon'], in_review: ['close'], closed: [], abandoned: [] }[from];
    expect(problem.allowed_actions).toEqual(allowed);
    expect(problem.detail).toContain(from);
    const unchanged = IterationSchema.parse((await t.call({ method: 'GET', url: `/v1/iterations/${it1.id}` })).json());
    expect(unchanged.status).toBe(from);
  });

  it('close needs a decision, and only one of the four', async () => {
    const ini = await createInitiative(t);
    const it1 = await createIteration(t, ini.key);
    await transitionIteration(t, it1.id, 'start');
    await transitionIteration(t, it1.id, 'review');
    const missing = expectProblem(await t.call({ method: 'POST', url: `/v1/iterations/${it1.id}/close`, payload: {} }), 400, 'validation_failed');
    expect(missing.errors?.[0]?.path).toBe('body.decision');
    const wrong = expectProblem(await t.call({ method: 'POST', url: `/v1/iterations/${it1.id}/close`, payload: { decision: 'maybe' } }), 400, 'validation_failed');
    expect(wrong.errors?.[0]?.path).toBe('body.decision');
  });
});

describe('retries are idempotent', () => {
  it('repeating a done transition returns the iteration unchanged; closing again with another decision is 409', async () => {
    const ini = await createInitiative(t);
    const it1 = await createIteration(t, ini.key);
    const first = await transitionIteration(t, it1.id, 'start');
    const again = await transitionIteration(t, it1.id, 'start');
    expect(again).toEqual(first);
    await transitionIteration(t, it1.id, 'review');
    const closed = await transitionIteration(t, it1.id, 'close', { decision: 'pivot' });
    expect(await transitionIteration(t, it1.id, 'close', { decision: 'pivot' })).toEqual(closed);
    const other = expectProblem(await t.call({ method: 'POST', url: `/v1/iterations/${it1.id}/close`, payload: { decision: 'adopt' } }), 409, 'conflict');
    expect(other.decision).toBe('pivot');
    const log = (await t.call({ method: 'GET', url: `/v1/activity?entity_id=${it1.id}&action=iteration.started` })).json().data;
    expect(log).toHaveLength(1);
  });
});

describe('one active iteration per initiative', () => {
  it('a second start is 409 naming the active one; after closing it the other may start', async () => {
    const ini = await createInitiative(t);
    const a = await createIteration(t, ini.key);
    const b = await createIteration(t, ini.key, { carry_over: false });
    await transitionIteration(t, a.id, 'start');
    const problem = expectProblem(await t.call({ method: 'POST', url: `/v1/iterations/${b.id}/start` }), 409, 'conflict');
    expect(problem.active_iteration).toMatchObject({ id: a.id, number: 1, status: 'under_construction' });
    await transitionIteration(t, a.id, 'review');
    expectProblem(await t.call({ method: 'POST', url: `/v1/iterations/${b.id}/start` }), 409, 'conflict');
    await transitionIteration(t, a.id, 'close', { decision: 'persevere' });
    expect((await transitionIteration(t, b.id, 'start')).status).toBe('under_construction');
  });

  it('the database refuses a second active iteration even if a service forgot to check', async () => {
    const ini = await createInitiative(t);
    await transitionIteration(t, (await createIteration(t, ini.key)).id, 'start');
    expect(() =>
      t.db.$client
        .prepare(
          `INSERT INTO iterations (id, initiative_id, number, title, status, version, created_at, updated_at)
           VALUES ('itr_manual', ?, 999, 'x', 'in_review', 1, 'now', 'now')`,
        )
        .run(ini.id),
    ).toThrow(/UNIQUE/);
  });
});

describe('numbering', () => {
  it('an abandoned number is never reused', async () => {
    const ini = await createInitiative(t);
    const v1 = await createIteration(t, ini.key);
    await transitionIteration(t, v1.id, 'start');
    const abandoned = await transitionIteration(t, v1.id, 'abandon', { reason: 'superseded by pricing change' });
    expect(abandoned).toMatchObject({ status: 'abandoned', outcome: 'superseded by pricing change' });
    const v2 = await createIteration(t, ini.key);
    expect(v2.number).toBe(2);
    expect(v2.based_on).toEqual({ id: v1.id, number: 1 });
    await transitionIteration(t, v2.id, 'abandon');
    expect((await createIteration(t, ini.key)).number).toBe(3);
    const list = (await t.call({ method: 'GET', url: `/v1/initiatives/${ini.key}/iterations` })).json().data;
    expect(list.map((i: { number: number }) => i.number)).toEqual([3, 2, 1]);
    const asc = (await t.call({ method: 'GET', url: `/v1/initiatives/${ini.id}/iterations?order=asc&status=abandoned` })).json().data;
    expect(asc.map((i: { number: number }) => i.number)).toEqual([1, 2]);
  });

  it('plans the next version from a bare POST with no body', async () => {
    const ini = await createInitiative(t);
    const res = await t.call({ method: 'POST', url: `/v1/initiatives/${ini.key}/iterations` });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ number: 1, title: 'v1', goal: '', planned_start: null, carried: [] });
    expect(res.headers.location).toBe(`/v1/iterations/${res.json().id}`);
  });

  it('refuses a cursor from another kind of list', async () => {
    const ini = await createInitiative(t);
    const teamsCursor = Buffer.from(JSON.stringify(['team_x'])).toString('base64url');
    const res = await t.call({ method: 'GET', url: `/v1/initiatives/${ini.key}/iterations?cursor=${teamsCursor}` });
    expect(expectProblem(res, 400, 'validation_failed').errors?.[0]?.path).toBe('query.cursor');
  });

  it('pages through iterations exactly once', async () => {
    const ini = await createInitiative(t);
    for (let i = 0; i < 7; i++) await createIteration(t, ini.key, { carry_over: false });
    const seen: number[] = [];
    let url: string | undefined = `/v1/initiatives/${ini.key}/iterations?limit=3`;
    while (url) {
      const res = await t.call({ method: 'GET', url });
      const body = res.json();
      seen.push(...body.data.map((i: { number: number }) => i.number));
      url = body.next_cursor ? /<([^>]+)>; rel="next"/.exec(String(res.headers.link))?.[1] : undefined;
    }
    expect(seen).toEqual([7, 6, 5, 4, 3, 2, 1]);
  });
});

describe('frozen history', () => {
  it('a closed or abandoned iteration takes no changes and no check-ins', async () => {
    const ini = await createInitiative(t);
    const closed = await createIteration(t, ini.key);
    await transitionIteration(t, closed.id, 'start');
    await transitionIteration(t, closed.id, 'review');
    await transitionIteration(t, closed.id, 'close', { decision: 'persevere' });
    const abandoned = await createIteration(t, ini.key);
    await transitionIteration(t, abandoned.id, 'abandon');
    for (const it1 of [closed, abandoned]) {
      expectProblem(await t.call({ method: 'PATCH', url: `/v1/iterations/${it1.id}`, payload: { goal: 'rewrite history' } }), 409, 'frozen');
      expectProblem(await t.call({ method: 'POST', url: `/v1/iterations/${it1.id}/check-ins`, payload: { health: 'on_track' } }), 409, 'frozen');
    }
    const after = IterationSchema.parse((await t.call({ method: 'GET', url: `/v1/iterations/${closed.id}` })).json());
    expect(after.goal).toBe('');
  });
});

describe('editing an iteration', () => {
  it('PATCH changes goal and time box with If-Match, rejects an inverted time box', async () => {
    const ini = await createInitiative(t);
    const it1 = await createIteration(t, ini.key, { planned_start: '2026-03-01T00:00:00+02:00', planned_end: '2026-03-29T00:00:00Z' });
    expect(it1.planned_start).toBe('2026-02-28T22:00:00.000Z');
    const res = await t.call({ method: 'GET', url: `/v1/iterations/${it1.id}` });
    const etag = String(res.headers.etag);
    const ok = await t.call({ method: 'PATCH', url: `/v1/iterations/${it1.id}`, headers: { 'if-match': etag }, payload: { goal: 'New goal' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ goal: 'New goal', version: 2 });
    expectProblem(await t.call({ method: 'PATCH', url: `/v1/iterations/${it1.id}`, headers: { 'if-match': etag }, payload: { goal: 'Lost update' } }), 412, 'precondition_failed');
    const inverted = expectProblem(
      await t.call({ method: 'PATCH', url: `/v1/iterations/${it1.id}`, payload: { planned_end: '2026-02-01T00:00:00Z' } }),
      400,
      'validation_failed',
    );
    expect(inverted.errors?.[0]?.path).toBe('body.planned_end');
    const bad = expectProblem(
      await t.call({ method: 'POST', url: `/v1/initiatives/${ini.key}/iterations`, payload: { planned_start: '2026-03-02T00:00:00Z', planned_end: '2026-03-01T00:00:00Z' } }),
      400,
      'validation_failed',
    );
    expect(bad.errors?.[0]?.path).toBe('body.planned_end');
    expectProblem(await t.call({ method: 'GET', url: `/v1/iterations/itr_unknown` }), 404, 'not_found');
  });
});
