import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, type TestApp } from '../../helpers/app';
import { expectProblem } from '../../helpers/problems';
import { transitionIteration, createInitiative, createIteration } from '../../helpers/factories';
import type { IterationItemKind } from '../../../src/modules/iterations/iteration-items';
import { ApiError } from '../../../src/http/problems';
import { IterationDiffSchema } from '../../../src/modules/iterations/iterations.schemas';

/**
 * The carry-over and diff mechanism, exercised through a work-item kind that exists only in this
 * test (later features register hypotheses, tracked metrics and action items the same way).
 * It lives in a real table of the test database, so transaction semantics are real.
 */
let t: TestApp;
let failNextCarry = false;
/** When set, the test kind refuses to start an iteration without tasks, as a policy would. */
let requireTasksToStart = false;
const transitionsSeen: string[] = [];

const sql = () => t.db.$client;

const tasks: IterationItemKind = {
  kind: 'tasks',
  carryOver(_ctx, from, to) {
    if (failNextCarry) {
      failNextCarry = false;
      throw new ApiError('conflict', 'tasks cannot be carried right now');
    }
    const open = sql().prepare('SELECT * FROM test_tasks WHERE iteration_id = ? AND done = 0 ORDER BY id').all(from.id) as Task[];
    return open.map((task, i) => {
      const id = `${to.id}-t${i}`;
      sql()
        .prepare('INSERT INTO test_tasks (id, iteration_id, title, done, carried_from, lineage) VALUES (?, ?, ?, 0, ?, ?)')
        .run(id, to.id, task.title, task.id, task.lineage);
      return { id, carried_from: task.id };
    });
  },
  onTransition(_ctx, iteration, action) {
    transitionsSeen.push(`${action}:${iteration.status}`);
    const count = sql().prepare('SELECT count(*) AS n FROM test_tasks WHERE iteration_id = ?').get(iteration.id) as { n: number };
    if (action === 'start' && requireTasksToStart && count.n === 0) {
      throw new ApiError('policy_violation', 'an iteration needs at least one task to start', { extensions: { rule: 'tasks_to_start' } });
    }
  },
  snapshot(_ctx, iteration) {
    const rows = sql().prepare('SELECT * FROM test_tasks WHERE iteration_id = ? ORDER BY id').all(iteration.id) as Task[];
    return rows.map((r) => ({ lineage: r.lineage, id: r.id, fields: { title: r.title, done: r.done === 1 } }));
  },
};

interface Task {
  id: string;
  iteration_id: string;
  title: string;
  done: number;
  carried_from: string | null;
  lineage: string;
}

const addTask = (iterationId: string, id: string, title: string, done = false) =>
  sql()
    .prepare('INSERT INTO test_tasks (id, iteration_id, title, done, carried_from, lineage) VALUES (?, ?, ?, ?, NULL, ?)')
    .run(id, iterationId, title, done ? 1 : 0, id);

beforeAll(async () => {
  t = await makeApp();
  sql().exec(
    'CREATE TABLE test_tasks (id TEXT PRIMARY KEY, iteration_id TEXT NOT NULL, title TEXT NOT NULL, done INTEGER NOT NULL, carried_from TEXT, lineage TEXT NOT NULL)',
  );
  t.app.iterationItems.register(tasks);
});
afterAll(() => t.close());

describe('carry-over', () => {
  it('copies open items into the next version, records carried_from and says what was carried', async () => {
    const ini = await createInitiative(t);
    const v1 = await createIteration(t, ini.key);
    addTask(v1.id, 'a', 'Export CRM fields');
    addTask(v1.id, 'b', 'Train model', true);
    addTask(v1.id, 'c', 'Brief SDRs');
    await transitionIteration(t, v1.id, 'abandon');

    const v2 = await createIteration(t, ini.key);
    expect(v2.carried).toEqual([
      {
        kind: 'tasks',
        items: [
          { id: `${v2.id}-t0`, carried_from: 'a' },
          { id: `${v2.id}-t1`, carried_from: 'c' },
        ],
      },
    ]);
    const copies = sql().prepare('SELECT title, carried_from FROM test_tasks WHERE iteration_id = ? ORDER BY id').all(v2.id);
    expect(copies).toEqual([
      { title: 'Export CRM fields', carried_from: 'a' },
      { title: 'Brief SDRs', carried_from: 'c' },
    ]);
    const log = (await t.call({ method: 'GET', url: `/v1/activity?entity_id=${v2.id}` })).json().data[0];
    expect(log.after.carried).toEqual([{ kind: 'tasks', count: 2 }]);
  });

  it('waits until the previous version is closed or abandoned, unless asked to plan empty', async () => {
    const ini = await createInitiative(t);
    const v1 = await createIteration(t, ini.key);
    addTask(v1.id, `${v1.id}-w`, 'Still being worked on');
    await transitionIteration(t, v1.id, 'start');
    const early = expectProblem(await t.call({ method: 'POST', url: `/v1/initiatives/${ini.key}/iterations`, payload: {} }), 409, 'conflict');
    expect(early.previous_iteration).toEqual({ id: v1.id, number: 1, status: 'under_construction' });
    expect(early.detail).toContain('carry_over');
    const empty = await createIteration(t, ini.key, { carry_over: false });
    expect(empty).toMatchObject({ number: 2, carried: [], based_on: { id: v1.id, number: 1 } });
  });

  it('a version planned ahead pulls in the open items once its predecessor is closed, once', async () => {
    const ini = await createInitiative(t);
    const v1 = await createIteration(t, ini.key);
    expectProblem(await t.call({ method: 'POST', url: `/v1/iterations/${v1.id}/carry-over` }), 409, 'conflict');
    addTask(v1.id, `${v1.id}-p`, 'Left open');
    await transitionIteration(t, v1.id, 'start');
    const v2 = await createIteration(t, ini.key, { carry_over: false });
    expect(v2.carried_over_at).toBeNull();

    const early = expectProblem(await t.call({ method: 'POST', url: `/v1/iterations/${v2.id}/carry-over` }), 409, 'conflict');
    expect(early.previous_iteration).toMatchObject({ number: 1, status: 'under_construction' });
    await transitionIteration(t, v1.id, 'review');
    await transitionIteration(t, v1.id, 'close', { decision: 'persevere' });

    const res = await t.call({ method: 'POST', url: `/v1/iterations/${v2.id}/carry-over` });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      id: v2.id,
      carried_over_at: t.clock.now().toISOString(),
      version: 2,
      carried: [{ kind: 'tasks', items: [{ id: `${v2.id}-t0`, carried_from: `${v1.id}-p` }] }],
    });
    const twice = expectProblem(await t.call({ method: 'POST', url: `/v1/iterations/${v2.id}/carry-over` }), 409, 'conflict');
    expect(twice.carried_over_at).toBe(res.json().carried_over_at);
    expect(sql().prepare('SELECT count(*) AS n FROM test_tasks WHERE iteration_id = ?').get(v2.id)).toEqual({ n: 1 });
    const log = (await t.call({ method: 'GET', url: `/v1/activity?entity_id=${v2.id}&action=iteration.carried_over` })).json().data;
    expect(log[0].after.carried).toEqual([{ kind: 'tasks', count: 1 }]);

    // A version created with carry-over has had its turn.
    await transitionIteration(t, v2.id, 'abandon');
    const v3 = await createIteration(t, ini.key);
    expect(v3.carried_over_at).toEqual(expect.any(String));
    expect(v3.carried[0]?.items.map((i) => i.carried_from)).toEqual([`${v2.id}-t0`]);
    expectProblem(await t.call({ method: 'POST', url: `/v1/iterations/${v3.id}/carry-over` }), 409, 'conflict');
  });

  it('carry_over: false starts the version empty', async () => {
    const ini = await createInitiative(t);
    const v1 = await createIteration(t, ini.key);
    addTask(v1.id, `${v1.id}-x`, 'Open item');
    const v2 = await createIteration(t, ini.key, { carry_over: false });
    expect(v2.carried).toEqual([]);
    expect(sql().prepare('SELECT count(*) AS n FROM test_tasks WHERE iteration_id = ?').get(v2.id)).toEqual({ n: 0 });
  });

  it('a failing carry-over rule undoes the whole creation: no iteration, no number used, no activity', async () => {
    const ini = await createInitiative(t);
    const v1 = await createIteration(t, ini.key);
    addTask(v1.id, `${v1.id}-y`, 'Open item');
    await transitionIteration(t, v1.id, 'abandon');
    failNextCarry = true;
    expectProblem(await t.call({ method: 'POST', url: `/v1/initiatives/${ini.key}/iterations`, payload: {} }), 409, 'conflict');
    const list = (await t.call({ method: 'GET', url: `/v1/initiatives/${ini.key}/iterations` })).json().data;
    expect(list.map((i: { number: number }) => i.number)).toEqual([1]);
    expect((await createIteration(t, ini.key)).number).toBe(2);
    const created = (await t.call({ method: 'GET', url: `/v1/activity?action=iteration.created&limit=500` })).json().data;
    expect(created.filter((a: { after: { initiative: { id: string } } }) => a.after.initiative.id === ini.id)).toHaveLength(2);
  });
});

describe('transition hooks', () => {
  it('lets a kind react to each transition and refuse one, undoing it', async () => {
    const ini = await createInitiative(t);
    const v1 = await createIteration(t, ini.key);
    requireTasksToStart = true;
    try {
      const refused = expectProblem(await t.call({ method: 'POST', url: `/v1/iterations/${v1.id}/start` }), 422, 'policy_violation');
      expect(refused.rule).toBe('tasks_to_start');
      const still = (await t.call({ method: 'GET', url: `/v1/iterations/${v1.id}` })).json();
      expect(still).toMatchObject({ status: 'planned', started_at: null, version: 1 });
      const log = (await t.call({ method: 'GET', url: `/v1/activity?entity_id=${v1.id}&action=iteration.started` })).json().data;
      expect(log).toEqual([]);

      addTask(v1.id, `${v1.id}-h`, 'Something to do');
      transitionsSeen.length = 0;
      await transitionIteration(t, v1.id, 'start');
      await transitionIteration(t, v1.id, 'review');
      expect(transitionsSeen).toEqual(['start:under_construction', 'review:in_review']);
    } finally {
      requireTasksToStart = false;
    }
  });
});

describe('diff between versions', () => {
  it('shows changed fields, items added, removed and changed, and check-in summaries', async () => {
    const ini = await createInitiative(t);
    const v1 = await createIteration(t, ini.key, {
      goal: 'Score leads',
      planned_start: '2026-01-05T00:00:00Z',
      planned_end: '2026-02-02T00:00:00Z',
    });
    addTask(v1.id, 'd1', 'Export CRM fields');
    addTask(v1.id, 'd2', 'Train model', true);
    await transitionIteration(t, v1.id, 'start');
    await t.call({ method: 'POST', url: `/v1/iterations/${v1.id}/check-ins`, payload: { health: 'at_risk' } });
    await transitionIteration(t, v1.id, 'review');
    await transitionIteration(t, v1.id, 'close', { decision: 'pivot', outcome: 'AEs ignored scores' });

    const v2 = await createIteration(t, ini.key, {
      goal: 'Score accounts',
      planned_start: '2026-02-02T00:00:00Z',
      planned_end: '2026-02-16T00:00:00Z',
    });
    const carriedId = v2.carried[0]?.items[0]?.id;
    sql().prepare("UPDATE test_tasks SET title = 'Export account fields' WHERE id = ?").run(carriedId);
    addTask(v2.id, 'd3', 'Brief AEs');

    const res = await t.call({ method: 'GET', url: `/v1/initiatives/${ini.key}/iterations/1/diff/2` });
    expect(res.statusCode).toBe(200);
    const diff = IterationDiffSchema.parse(res.json());
    expect(diff.from).toEqual({ id: v1.id, number: 1, status: 'closed' });
    expect(diff.to).toEqual({ id: v2.id, number: 2, status: 'planned' });
    expect(diff.fields).toEqual({
      title: { from: 'v1', to: 'v2' },
      goal: { from: 'Score leads', to: 'Score accounts' },
      planned_start: { from: '2026-01-05T00:00:00.000Z', to: '2026-02-02T00:00:00.000Z' },
      planned_end: { from: '2026-02-02T00:00:00.000Z', to: '2026-02-16T00:00:00.000Z' },
      time_box_days: { from: 28, to: 14 },
      status: { from: 'closed', to: 'planned' },
      decision: { from: 'pivot', to: null },
      outcome: { from: 'AEs ignored scores', to: null },
    });
    expect(diff.items.tasks).toEqual({
      added: [{ id: 'd3', title: 'Brief AEs', done: false }],
      removed: [{ id: 'd2', title: 'Train model', done: true }],
      changed: [{ lineage: 'd1', from_id: 'd1', to_id: carriedId, fields: { title: { from: 'Export CRM fields', to: 'Export account fields' } } }],
    });
    expect(diff.check_ins).toEqual({ from: { count: 1, last_health: 'at_risk' }, to: { count: 0, last_health: null } });

    const reverse = IterationDiffSchema.parse((await t.call({ method: 'GET', url: `/v1/initiatives/${ini.id}/iterations/2/diff/1` })).json());
    expect(reverse.items.tasks?.added).toEqual([{ id: 'd2', title: 'Train model', done: true }]);
    expect(reverse.fields.goal).toEqual({ from: 'Score accounts', to: 'Score leads' });
  });

  it('names a missing version with 404 and rejects non-numbers with 400', async () => {
    const ini = await createInitiative(t);
    await createIteration(t, ini.key);
    const missing = expectProblem(await t.call({ method: 'GET', url: `/v1/initiatives/${ini.key}/iterations/1/diff/9` }), 404, 'not_found');
    expect(missing.detail).toContain('v9');
    const bad = expectProblem(await t.call({ method: 'GET', url: `/v1/initiatives/${ini.key}/iterations/1/diff/x` }), 400, 'validation_failed');
    expect(bad.errors?.[0]?.path).toBe('path.b');
  });
});
