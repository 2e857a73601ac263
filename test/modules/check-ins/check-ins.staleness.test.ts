import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, type TestApp } from '../../helpers/app';
import { createKey } from '../../helpers/factories';
import { expectProblem } from '../../helpers/problems';
import { transitionIteration, createInitiative, createIteration } from '../../helpers/factories';
import { CheckInSchema } from '../../../src/modules/check-ins/check-ins.schemas';
import { IterationSchema } from '../../../src/modules/iterations/iterations.schemas';

let t: TestApp;
beforeAll(async () => {
  t = await makeApp({ CHECKIN_INTERVAL_DAYS: '7' });
});
afterAll(() => t.close());

const iteration = async (id: string) => IterationSchema.parse((await t.call({ method: 'GET', url: `/v1/iterations/${id}` })).json());
const checkIn = (id: string, payload: Record<string, unknown>, key?: string) => t.call({ method: 'POST', url: `/v1/iterations/${id}/check-ins`, payload, key });

describe('check-ins', () => {
  it('records health and note with the author; the iteration and initiative show the latest health', async () => {
    const ini = await createInitiative(t);
    const editor = await createKey(t, 'editor', [ini.team.key]);
    const it1 = await createIteration(t, ini.key);
    expectProblem(await checkIn(it1.id, { health: 'on_track' }), 409, 'invalid_transition');
    await transitionIteration(t, it1.id, 'start');

    const first = await checkIn(it1.id, { health: 'on_track', note: 'Kick-off done' }, editor.secret);
    expect(first.statusCode).toBe(201);
    const location = String(first.headers.location);
    expect(location).toBe(`/v1/check-ins/${first.json().id}`);
    expect((await t.call({ method: 'GET', url: location })).json()).toEqual(first.json());
    expectProblem(await t.call({ method: 'GET', url: '/v1/check-ins/chk_missing' }), 404, 'not_found');
    expect(CheckInSchema.parse(first.json())).toMatchObject({ health: 'on_track', note: 'Kick-off done', author: { key_id: editor.id, name: editor.name } });
    t.clock.advanceDays(1);
    await checkIn(it1.id, { health: 'at_risk', note: 'CRM export late' });

    expect(await iteration(it1.id)).toMatchObject({ health: 'at_risk', stale: false, last_check_in_at: t.clock.now().toISOString() });
    const shown = (await t.call({ method: 'GET', url: `/v1/initiatives/${ini.key}` })).json();
    expect(shown.current_iteration).toMatchObject({ id: it1.id, health: 'at_risk', stale: false });

    const list = (await t.call({ method: 'GET', url: `/v1/iterations/${it1.id}/check-ins?limit=1` })).json();
    expect(list.data.map((c: { note: string }) => c.note)).toEqual(['CRM export late']);
    const rest = (await t.call({ method: 'GET', url: `/v1/iterations/${it1.id}/check-ins?cursor=${list.next_cursor}` })).json();
    expect(rest.data.map((c: { note: string }) => c.note)).toEqual(['Kick-off done']);
    expect(rest.next_cursor).toBeNull();

    const log = (await t.call({ method: 'GET', url: '/v1/activity?action=check_in.created&limit=1' })).json().data[0];
    expect(log).toMatchObject({ entity_type: 'check_in', after: { health: 'at_risk', iteration_id: it1.id } });
  });

  it('validates health and note length', async () => {
    const ini = await createInitiative(t);
    const it1 = await createIteration(t, ini.key);
    await transitionIteration(t, it1.id, 'start');
    const bad = expectProblem(await checkIn(it1.id, { health: 'fine', note: 'x'.repeat(2001) }), 400, 'validation_failed');
    expect(bad.errors?.map((e) => e.path).sort()).toEqual(['body.health', 'body.note']);
  });
});

describe('staleness with a controlled clock', () => {
  it('an active iteration goes stale after the interval without a check-in, and a check-in freshens it', async () => {
    t.clock.set('2026-03-02T09:00:00.000Z');
    const ini = await createInitiative(t);
    const it1 = await createIteration(t, ini.key);
    expect((await iteration(it1.id)).stale).toBe(false);
    t.clock.advanceDays(30);
    expect((await iteration(it1.id)).stale).toBe(false); // planned work is not expected to check in

    await transitionIteration(t, it1.id, 'start');
    t.clock.advanceDays(7);
    expect((await iteration(it1.id)).stale).toBe(false); // exactly the interval: still fresh
    t.clock.advanceDays(0.01);
    expect((await iteration(it1.id)).stale).toBe(true);
    const stale = (await t.call({ method: 'GET', url: `/v1/initiatives?q=${ini.key}` })).json().data[0];
    expect(stale.current_iteration.stale).toBe(true);

    await checkIn(it1.id, { health: 'off_track' });
    expect(await iteration(it1.id)).toMatchObject({ stale: false, health: 'off_track' });
    t.clock.advanceDays(8);
    await transitionIteration(t, it1.id, 'review');
    expect((await iteration(it1.id)).stale).toBe(true); // in review still reports
    await transitionIteration(t, it1.id, 'close', { decision: 'persevere' });
    expect((await iteration(it1.id)).stale).toBe(false); // closed work is never stale
  });

  it('the interval is a setting', async () => {
    const other = await makeApp({ CHECKIN_INTERVAL_DAYS: '2' });
    try {
      const ini = await createInitiative(other);
      const it1 = await createIteration(other, ini.key);
      await transitionIteration(other, it1.id, 'start');
      other.clock.advanceDays(3);
      const res = await other.call({ method: 'GET', url: `/v1/iterations/${it1.id}` });
      expect(res.json().stale).toBe(true);
    } finally {
      await other.close();
    }
  });
});
