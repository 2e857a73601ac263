import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, type TestApp } from '../../helpers/app';
import { createActionItem, createInitiative, createIteration, transitionIteration } from '../../helpers/factories';
import { ActionItemPage, ActionItemSchema, type ActionItem } from '../../../src/modules/action-items/action-items.schemas';
import { IterationDiffSchema } from '../../../src/modules/iterations/iterations.schemas';

let t: TestApp;
beforeAll(async () => {
  t = await makeApp();
});
afterAll(() => t.close());

const itemsOf = async (iterationId: string): Promise<ActionItem[]> => {
  const res = await t.call({ method: 'GET', url: `/v1/iterations/${iterationId}/action-items` });
  expect(res.statusCode, res.body).toBe(200);
  return ActionItemPage.parse(res.json()).data;
};
const setStatus = async (id: string, status: string) => {
  const res = await t.call({ method: 'PATCH', url: `/v1/action-items/${id}`, payload: { status } });
  expect(res.statusCode, res.body).toBe(200);
  return ActionItemSchema.parse(res.json());
};
const finish = async (id: string, decision = 'persevere') => {
  await transitionIteration(t, id, 'start');
  await transitionIteration(t, id, 'review');
  await transitionIteration(t, id, 'close', { decision });
};

describe('action items across versions', () => {
  it('open items carry on with carried_from and times_carried; carried twice they are recurring; done and dropped stay', async () => {
    const initiative = await createInitiative(t);
    const v1 = await createIteration(t, initiative.key);
    const postponed = await createActionItem(t, v1.id, { title: 'Fix the CRM export', owner: 'Dana', due_on: '2026-01-20' });
    const done = await createActionItem(t, v1.id, { title: 'Write the runbook' });
    const dropped = await createActionItem(t, v1.id, { title: 'Buy a tool' });
    await setStatus(done.id, 'done');
    await setStatus(dropped.id, 'dropped');
    expect(postponed).toMatchObject({ times_carried: 0, recurring: false, carried_from: null, status: 'open' });
    await finish(v1.id, 'pivot');

    const v2 = await createIteration(t, initiative.key);
    expect(v2.carried.find((c) => c.kind === 'action_items')?.items).toEqual([{ id: expect.any(String), carried_from: postponed.id }]);
    const [second] = await itemsOf(v2.id);
    expect(second).toMatchObject({
      title: 'Fix the CRM export',
      owner: 'Dana',
      due_on: '2026-01-20',
      status: 'open',
      carried_from: postponed.id,
      times_carried: 1,
      recurring: false,
      iteration_id: v2.id,
      iteration_number: 2,
      version: 1,
    });
    // The finished items and the original stay in v1 as they were.
    expect((await itemsOf(v1.id)).map((i) => [i.id, i.status])).toEqual([
      [postponed.id, 'open'],
      [done.id, 'done'],
      [dropped.id, 'dropped'],
    ]);
    await finish(v2.id);

    const v3 = await createIteration(t, initiative.key);
    const [third] = await itemsOf(v3.id);
    expect(third).toMatchObject({ carried_from: second!.id, times_carried: 2, recurring: true });
    expect([postponed, second, third].map((i) => i!.times_carried)).toEqual([0, 1, 2]);

    const recurring = ActionItemPage.parse(
      (await t.call({ method: 'GET', url: `/v1/action-items?initiative=${initiative.key}&recurring=true` })).json(),
    ).data;
    expect(recurring.map((i) => i.id)).toEqual([third!.id]);

    // Done in v3: it stays there, and a v4 gets nothing.
    await setStatus(third!.id, 'done');
    await finish(v3.id);
    const v4 = await createIteration(t, initiative.key);
    expect(v4.carried.find((c) => c.kind === 'action_items')).toBeUndefined();
    expect(await itemsOf(v4.id)).toEqual([]);
  });

  it('the diff matches items by lineage: carried ones are unchanged or changed, new ones added, finished ones removed', async () => {
    const initiative = await createInitiative(t);
    const v1 = await createIteration(t, initiative.key);
    const kept = await createActionItem(t, v1.id, { title: 'Keep me' });
    const finished = await createActionItem(t, v1.id, { title: 'Finish me' });
    await setStatus(finished.id, 'done');
    await finish(v1.id);
    const v2 = await createIteration(t, initiative.key);
    const [copy] = await itemsOf(v2.id);
    const patched = await t.call({ method: 'PATCH', url: `/v1/action-items/${copy!.id}`, payload: { owner: 'Sam' } });
    expect(patched.statusCode, patched.body).toBe(200);
    const added = await createActionItem(t, v2.id, { title: 'New' });

    const diff = IterationDiffSchema.parse((await t.call({ method: 'GET', url: `/v1/initiatives/${initiative.key}/iterations/1/diff/2` })).json());
    expect(diff.items.action_items).toEqual({
      added: [{ id: added.id, title: 'New', owner: null, due_on: null, status: 'open' }],
      removed: [{ id: finished.id, title: 'Finish me', owner: null, due_on: null, status: 'done' }],
      changed: [{ lineage: kept.id, from_id: kept.id, to_id: copy!.id, fields: { owner: { from: null, to: 'Sam' } } }],
    });
  });

  it('a version planned ahead gets the open items by POST /carry-over once the previous one is closed', async () => {
    const initiative = await createInitiative(t);
    const v1 = await createIteration(t, initiative.key);
    const item = await createActionItem(t, v1.id);
    await transitionIteration(t, v1.id, 'start');
    const v2 = await createIteration(t, initiative.key, { carry_over: false });
    expect(await itemsOf(v2.id)).toEqual([]);
    await transitionIteration(t, v1.id, 'abandon');
    const res = await t.call({ method: 'POST', url: `/v1/iterations/${v2.id}/carry-over` });
    expect(res.statusCode, res.body).toBe(200);
    expect((await itemsOf(v2.id)).map((i) => [i.carried_from, i.times_carried])).toEqual([[item.id, 1]]);
  });
});
