import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, type TestApp } from '../../helpers/app';
import { createInitiative, createIteration, transitionIteration } from '../../helpers/factories';
import { expectProblem } from '../../helpers/problems';

let t: TestApp;
beforeAll(async () => {
  t = await makeApp();
});
afterAll(() => t.close());

describe('timestamps', () => {
  it.each([
    ['past year 9999 once in UTC', '9999-12-31T23:00:00-05:00'],
    ['before year 0001 once in UTC', '0001-01-01T00:30:00+01:00'],
    ['not RFC 3339', '2026-13-01T00:00:00Z'],
  ])('refuses a time box %s, on create and on PATCH, and stores nothing', async (_label, value) => {
    const ini = await createInitiative(t);
    const created = await t.call({ method: 'POST', url: `/v1/initiatives/${ini.key}/iterations`, payload: { planned_start: value } });
    expect(expectProblem(created, 400, 'validation_failed').errors?.[0]?.path).toBe('body.planned_start');
    const it1 = await createIteration(t, ini.key);
    const patched = await t.call({ method: 'PATCH', url: `/v1/iterations/${it1.id}`, payload: { planned_end: value } });
    expect(expectProblem(patched, 400, 'validation_failed').errors?.[0]?.path).toBe('body.planned_end');
    const after = (await t.call({ method: 'GET', url: `/v1/iterations/${it1.id}` })).json();
    expect(after).toMatchObject({ planned_end: null, version: 1 });
    expect((await t.call({ method: 'GET', url: '/v1/initiatives' })).statusCode).toBe(200);
  });
});

describe('conditional requests on iterations', () => {
  it('the ETag of a 201 is the one a GET returns, so it works for If-Match', async () => {
    const ini = await createInitiative(t);
    const created = await t.call({ method: 'POST', url: `/v1/initiatives/${ini.key}/iterations`, payload: {} });
    const read = await t.call({ method: 'GET', url: `/v1/iterations/${created.json().id}` });
    expect(created.headers.etag).toBe(read.headers.etag);
    const patched = await t.call({
      method: 'PATCH',
      url: `/v1/iterations/${created.json().id}`,
      headers: { 'if-match': String(created.headers.etag) },
      payload: { goal: 'Set right after creating' },
    });
    expect(patched.statusCode, patched.body).toBe(200);
  });

  it('If-Match guards the object itself: time passing or a check-in does not fail it, a change does', async () => {
    const ini = await createInitiative(t);
    const it1 = await createIteration(t, ini.key);
    await transitionIteration(t, it1.id, 'start');
    const read = await t.call({ method: 'GET', url: `/v1/initiatives/${ini.key}` });
    const tag = String(read.headers.etag);
    t.clock.advanceDays(8); // the current iteration is now stale
    await t.call({ method: 'POST', url: `/v1/iterations/${it1.id}/check-ins`, payload: { health: 'at_risk' } });
    const now = await t.call({ method: 'GET', url: `/v1/initiatives/${ini.key}`, headers: { 'if-none-match': tag } });
    expect(now.statusCode).toBe(200); // what the client sees changed, so its cached copy is not reused
    expect(now.headers.etag).not.toBe(tag);
    const ok = await t.call({ method: 'PATCH', url: `/v1/initiatives/${ini.key}`, headers: { 'if-match': tag }, payload: { horizon: 'later' } });
    expect(ok.statusCode, ok.body).toBe(200);
    const again = await t.call({ method: 'PATCH', url: `/v1/initiatives/${ini.key}`, headers: { 'if-match': tag }, payload: { horizon: 'now' } });
    expect(expectProblem(again, 412, 'precondition_failed').current_version).toBe(2);
  });

  it('transitions honour If-Match, and a retry of one that happened still succeeds', async () => {
    const ini = await createInitiative(t);
    const it1 = await createIteration(t, ini.key);
    const planned = String((await t.call({ method: 'GET', url: `/v1/iterations/${it1.id}` })).headers.etag);
    await t.call({ method: 'PATCH', url: `/v1/iterations/${it1.id}`, payload: { goal: 'moved on' } });
    const refused = await t.call({ method: 'POST', url: `/v1/iterations/${it1.id}/start`, headers: { 'if-match': planned } });
    expectProblem(refused, 412, 'precondition_failed');
    const fresh = String((await t.call({ method: 'GET', url: `/v1/iterations/${it1.id}` })).headers.etag);
    const started = await t.call({ method: 'POST', url: `/v1/iterations/${it1.id}/start`, headers: { 'if-match': fresh } });
    expect(started.statusCode).toBe(200);
    const retried = await t.call({ method: 'POST', url: `/v1/iterations/${it1.id}/start`, headers: { 'if-match': fresh } });
    expect(retried.statusCode).toBe(200);
    expect(retried.json()).toEqual(started.json());
  });

  it('review, abandon, close and carry-over honour If-Match as start does: a stale ETag is 412 and changes nothing', async () => {
    const read = async (id: string) => {
      const res = await t.call({ method: 'GET', url: `/v1/iterations/${id}` });
      return { etag: String(res.headers.etag), status: (res.json() as { status: string }).status };
    };
    const action = (id: string, name: string, etag: string, payload?: object) =>
      t.call({ method: 'POST', url: `/v1/iterations/${id}/${name}`, headers: { 'if-match': etag }, ...(payload ? { payload } : {}) });
    const ini = await createInitiative(t);
    const v1 = await createIteration(t, ini.key);
    const planned = await read(v1.id);
    await transitionIteration(t, v1.id, 'start');
    expectProblem(await action(v1.id, 'review', planned.etag), 412, 'precondition_failed');
    expectProblem(await action(v1.id, 'abandon', planned.etag), 412, 'precondition_failed');
    const started = await read(v1.id);
    expect(started.status).toBe('under_construction');
    await transitionIteration(t, v1.id, 'review');
    expectProblem(await action(v1.id, 'close', started.etag, { decision: 'persevere' }), 412, 'precondition_failed');
    expect((await read(v1.id)).status).toBe('in_review');
    await transitionIteration(t, v1.id, 'close', { decision: 'persevere' });

    const v2 = await createIteration(t, ini.key, { carry_over: false });
    const before = await read(v2.id);
    expect((await t.call({ method: 'PATCH', url: `/v1/iterations/${v2.id}`, payload: { goal: 'Changed meanwhile' } })).statusCode).toBe(200);
    expectProblem(await action(v2.id, 'carry-over', before.etag), 412, 'precondition_failed');
    expect((await action(v2.id, 'carry-over', (await read(v2.id)).etag)).statusCode).toBe(200);
  });

  it('If-None-Match never turns a write into a 304', async () => {
    const ini = await createInitiative(t);
    const it1 = await createIteration(t, ini.key);
    const patched = await t.call({ method: 'PATCH', url: `/v1/iterations/${it1.id}`, headers: { 'if-none-match': '*' }, payload: { goal: 'g' } });
    expect(patched.statusCode).toBe(200);
    expect(patched.json().goal).toBe('g');
    const started = await t.call({ method: 'POST', url: `/v1/iterations/${it1.id}/start`, headers: { 'if-none-match': '*' } });
    expect(started.statusCode).toBe(200);
    expect(started.json().status).toBe('under_construction');
  });
});

describe('a completed initiative', () => {
  it('runs no more iterations until reopened, and its status follows only from decisions', async () => {
    const ini = await createInitiative(t);
    const v1 = await createIteration(t, ini.key);
    await transitionIteration(t, v1.id, 'start');
    const v2 = await createIteration(t, ini.key, { carry_over: false });
    await transitionIteration(t, v1.id, 'review');
    await transitionIteration(t, v1.id, 'close', { decision: 'adopt' });

    const start = expectProblem(await t.call({ method: 'POST', url: `/v1/iterations/${v2.id}/start` }), 409, 'conflict');
    expect(start.initiative_status).toBe('adopted');
    expectProblem(await t.call({ method: 'POST', url: `/v1/initiatives/${ini.key}/iterations`, payload: {} }), 409, 'conflict');

    const direct = expectProblem(await t.call({ method: 'PATCH', url: `/v1/initiatives/${ini.key}`, payload: { status: 'stopped' } }), 400, 'validation_failed');
    expect(direct.errors?.[0]?.path).toBe('body.status');

    const reopened = await t.call({ method: 'PATCH', url: `/v1/initiatives/${ini.key}`, payload: { status: 'active' } });
    expect(reopened.json().status).toBe('active');
    expect((await transitionIteration(t, v2.id, 'start')).status).toBe('under_construction');
  });
});
