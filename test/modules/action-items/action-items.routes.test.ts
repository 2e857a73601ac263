import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, type TestApp } from '../../helpers/app';
import {
  createActionItem,
  createInitiative,
  createIteration,
  createKey,
  createStartedIteration,
  createTeam,
  transitionIteration,
} from '../../helpers/factories';
import { errorPaths, expectProblem } from '../../helpers/problems';
import { ActionItemPage, ActionItemSchema } from '../../../src/modules/action-items/action-items.schemas';

let t: TestApp;
beforeAll(async () => {
  t = await makeApp();
});
afterAll(() => t.close());

const patch = (id: string, payload: unknown, headers: Record<string, string> = {}, key?: string) =>
  t.call({ method: 'PATCH', url: `/v1/action-items/${id}`, payload: payload as Record<string, unknown>, headers, key });
const list = async (query: string) => {
  const res = await t.call({ method: 'GET', url: `/v1/action-items?${query}` });
  expect(res.statusCode, res.body).toBe(200);
  return ActionItemPage.parse(res.json());
};
const activityCount = (): number => (t.db.$client.prepare('SELECT count(*) AS n FROM activity').get() as { n: number }).n;

describe('POST, GET and PATCH action items', () => {
  it('creates an open item (201, Location, ETag), reads it, and changes it with If-Match (412 when stale)', async () => {
    const { team, initiative, iteration } = await createStartedIteration(t);
    const res = await t.call({
      method: 'POST',
      url: `/v1/iterations/${iteration.id}/action-items`,
      payload: { title: '  Agree the export date  ', owner: 'Dana', due_on: '2026-02-15' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const item = ActionItemSchema.parse(res.json());
    expect(res.headers.location).toBe(`/v1/action-items/${item.id}`);
    expect(item).toEqual({
      id: expect.stringMatching(/^aci_/),
      iteration_id: iteration.id,
      iteration_number: 1,
      initiative: { id: initiative.id, key: initiative.key },
      team: { id: team.id, key: team.key },
      title: 'Agree the export date',
      owner: 'Dana',
      due_on: '2026-02-15',
      status: 'open',
      carried_from: null,
      carried_to: null,
      times_carried: 0,
      recurring: false,
      version: 1,
      created_at: t.clock.now().toISOString(),
      updated_at: t.clock.now().toISOString(),
    });
    const read = await t.call({ method: 'GET', url: `/v1/action-items/${item.id}` });
    expect(read.json()).toEqual(item);
    const etag = String(read.headers.etag);
    expect(etag).toBe(res.headers.etag);

    const done = await patch(item.id, { status: 'done', owner: null }, { 'if-match': etag });
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json()).toMatchObject({ status: 'done', owner: null, version: 2 });
    expectProblem(await patch(item.id, { status: 'open' }, { 'if-match': etag }), 412, 'precondition_failed');
    const log = (await t.call({ method: 'GET', url: `/v1/activity?entity_id=${item.id}` })).json().data;
    expect(log).toMatchObject([
      { action: 'action_item.updated', before: { status: 'open', owner: 'Dana' }, after: { status: 'done', owner: null } },
      { action: 'action_item.created', before: null },
    ]);
    expectProblem(await t.call({ method: 'GET', url: '/v1/action-items/aci_nope' }), 404, 'not_found');
  });

  it('takes new items while planned, under construction or in review; a closed or abandoned version is frozen', async () => {
    const initiative = await createInitiative(t);
    const v1 = await createIteration(t, initiative.key);
    const planned = await createActionItem(t, v1.id);
    await transitionIteration(t, v1.id, 'start');
    await transitionIteration(t, v1.id, 'review');
    const reviewed = await createActionItem(t, v1.id);
    await transitionIteration(t, v1.id, 'close', { decision: 'persevere' });
    const before = activityCount();
    expectProblem(await t.call({ method: 'POST', url: `/v1/iterations/${v1.id}/action-items`, payload: { title: 'Late' } }), 409, 'frozen');
    for (const item of [planned, reviewed]) expectProblem(await patch(item.id, { status: 'done' }), 409, 'frozen');
    expect(activityCount()).toBe(before);

    const v2 = await createIteration(t, initiative.key);
    await transitionIteration(t, v2.id, 'abandon');
    expectProblem(await t.call({ method: 'POST', url: `/v1/iterations/${v2.id}/action-items`, payload: { title: 'x' } }), 409, 'frozen');
  });

  it("editors of the initiative's team and admins write; others get 403", async () => {
    const { team, iteration } = await createStartedIteration(t);
    const mine = await createKey(t, 'editor', [team.key]);
    const other = await createKey(t, 'editor', [(await createTeam(t)).key]);
    const viewer = await createKey(t, 'viewer');
    const item = await createActionItem(t, iteration.id, {}, mine.secret);
    for (const key of [other.secret, viewer.secret]) {
      expectProblem(await t.call({ method: 'POST', url: `/v1/iterations/${iteration.id}/action-items`, key, payload: { title: 'x' } }), 403, 'forbidden');
      expectProblem(await patch(item.id, { title: 'y' }, {}, key), 403, 'forbidden');
    }
    expect((await t.call({ method: 'GET', url: `/v1/action-items/${item.id}`, key: viewer.secret })).statusCode).toBe(200);
  });

  it('refuses bad input with a 400 naming each field, and writes nothing', async () => {
    const { iteration } = await createStartedIteration(t);
    const item = await createActionItem(t, iteration.id);
    const before = activityCount();
    const post = (payload: unknown) =>
      t.call({ method: 'POST', url: `/v1/iterations/${iteration.id}/action-items`, payload: payload as Record<string, unknown> });
    const cases: Array<[Promise<Awaited<ReturnType<typeof post>>>, string[]]> = [
      [post({}), ['body.title']],
      [post({ title: ' ', owner: 'x'.repeat(201), due_on: '2026-02-30' }), ['body.title', 'body.owner', 'body.due_on']],
      [post({ title: 'x'.repeat(201), status: 'done' }), ['body.title', 'body.status']],
      [patch(item.id, { status: 'finished', due_on: '15/02/2026' }), ['body.status', 'body.due_on']],
      [patch(item.id, { carried_from: null, times_carried: 3 }), ['body.carried_from', 'body.times_carried']],
      [t.call({ method: 'GET', url: '/v1/action-items?recurring=yes&status=closed' }), ['query.recurring', 'query.status']],
      [t.call({ method: 'GET', url: `/v1/iterations/${iteration.id}/action-items?status=todo` }), ['query.status']],
    ];
    for (const [request, paths] of cases) {
      const problem = expectProblem(await request, 400, 'validation_failed');
      for (const p of paths) expect(errorPaths(problem)).toContain(p);
    }
    expect(activityCount()).toBe(before);
  });
});

describe('GET /v1/action-items', () => {
  it('filters by team, initiative, status, owner and recurring, and pages with a cursor', async () => {
    const teamA = await createTeam(t);
    const teamB = await createTeam(t);
    const a = await createInitiative(t, { team: teamA.key });
    const b = await createInitiative(t, { team: teamB.key });
    const a1 = await createIteration(t, a.key);
    const b1 = await createIteration(t, b.key);
    const x = await createActionItem(t, a1.id, { title: 'x', owner: 'Dana' });
    const y = await createActionItem(t, a1.id, { title: 'y', owner: 'Sam' });
    const z = await createActionItem(t, b1.id, { title: 'z', owner: 'Dana' });
    await patch(y.id, { status: 'dropped' });
    const ids = (page: { data: Array<{ id: string }> }) => page.data.map((i) => i.id);

    expect(ids(await list(`team=${teamA.key}`))).toEqual([x.id, y.id]);
    expect(ids(await list(`team=${teamB.id}`))).toEqual([z.id]);
    expect(ids(await list(`initiative=${a.id}&status=open`))).toEqual([x.id]);
    expect(ids(await list(`team=${teamA.key}&status=dropped`))).toEqual([y.id]);
    expect(ids(await list(`owner=Dana&team=${teamA.key}`))).toEqual([x.id]);
    expect(ids(await list(`initiative=${b.key}&recurring=false`))).toEqual([z.id]);
    expect(ids(await list(`initiative=${b.key}&recurring=true`))).toEqual([]);

    const first = await t.call({ method: 'GET', url: `/v1/action-items?team=${teamA.key}&limit=1` });
    const page1 = ActionItemPage.parse(first.json());
    expect(ids(page1)).toEqual([x.id]);
    expect(first.headers.link).toContain('rel="next"');
    const page2 = await list(`team=${teamA.key}&limit=1&cursor=${page1.next_cursor}`);
    expect(ids(page2)).toEqual([y.id]);
    expect(page2.next_cursor).toBeNull();

    expectProblem(await t.call({ method: 'GET', url: '/v1/action-items?team=no-such-team' }), 404, 'not_found');
    expectProblem(await t.call({ method: 'GET', url: '/v1/action-items?initiative=no-such-initiative' }), 404, 'not_found');
  });
});
