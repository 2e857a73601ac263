import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, type TestApp } from '../../helpers/app';
import { createInitiative, createIteration, createTeam, createTheme, transitionIteration } from '../../helpers/factories';

/**
 * Reads of initiatives are rendered as JSON by SQLite (ITEM_JSON), writes by toDto in JavaScript.
 * Both must give the same bytes for the same state, or ETags and caches would disagree: a
 * `PATCH {}` answers the initiative as toDto renders it, unchanged, and is compared here with
 * GET and with the item of a page, across the states an initiative can be in.
 */
let t: TestApp;
let team: string;
const keys: string[] = [];

const get = async (key: string) => t.call({ method: 'GET', url: `/v1/initiatives/${key}` });
const patchNothing = async (key: string) => t.call({ method: 'PATCH', url: `/v1/initiatives/${key}`, payload: {} });

beforeAll(async () => {
  t = await makeApp();
  team = (await createTeam(t)).key;
  const theme = (await createTheme(t)).key;
  const awkward = {
    tags: ['a', 'b:c', 'x.y_z-1'],
    attributes: { quote: 'say "hi"\\ \u0001\n\t', unicode: 'é 営 🚀 \u2028', ratio: 0.30000000000000004, big: 1e21, tiny: 1.5e-7, neg: -0, yes: true, none: null },
  };
  const bare = await createInitiative(t, { team });
  const themed = await createInitiative(t, { team, theme, owner: 'ana@example.com', summary: 'Line one\nline two', ...awkward });
  const planned = await createInitiative(t, { team });
  await createIteration(t, planned.key, { planned_start: '2026-01-05T00:00:00Z', planned_end: '2026-02-02T00:00:00Z' });
  const active = await createInitiative(t, { team, theme });
  const v1 = await createIteration(t, active.key);
  await transitionIteration(t, v1.id, 'start');
  await t.call({ method: 'POST', url: `/v1/iterations/${v1.id}/check-ins`, payload: { health: 'at_risk' } });
  const stale = await createInitiative(t, { team });
  const s1 = await createIteration(t, stale.key);
  await transitionIteration(t, s1.id, 'start');
  const closed = await createInitiative(t, { team });
  const c1 = await createIteration(t, closed.key);
  await transitionIteration(t, c1.id, 'start');
  await transitionIteration(t, c1.id, 'review');
  await transitionIteration(t, c1.id, 'close', { decision: 'adopt' });
  const archived = await createInitiative(t, { team });
  await t.call({ method: 'DELETE', url: `/v1/initiatives/${archived.key}` });
  keys.push(bare.key, themed.key, planned.key, active.key, stale.key, closed.key, archived.key);
  // Past the check-in interval: `stale` now turns true for active iterations without a recent check-in.
  t.clock.advanceDays(t.config.CHECKIN_INTERVAL_DAYS + 1);
  await t.call({ method: 'POST', url: `/v1/iterations/${v1.id}/check-ins`, payload: { health: 'on_track' } });
});
afterAll(() => t.close());

describe('initiatives rendered by SQLite', () => {
  it('are byte for byte what toDto renders, in every state, with the same ETag', async () => {
    for (const key of keys) {
      const [read, written] = [await get(key), await patchNothing(key)];
      expect(read.statusCode, read.body).toBe(200);
      expect(written.statusCode, written.body).toBe(200);
      expect(read.body, key).toBe(written.body);
      expect(read.headers.etag, key).toBe(written.headers.etag);
    }
    const staleOne = (await get(keys[4] ?? '')).json() as { current_iteration: { stale: boolean } };
    expect(staleOne.current_iteration.stale).toBe(true);
    const checkedIn = (await get(keys[3] ?? '')).json() as { current_iteration: { stale: boolean; health: string } };
    expect(checkedIn.current_iteration).toMatchObject({ stale: false, health: 'on_track' });
  });

  it('appear in pages as the same bytes', async () => {
    const page = await t.call({ method: 'GET', url: `/v1/initiatives?team=${team}&archived=all&limit=500` });
    expect(page.statusCode).toBe(200);
    const { data } = page.json() as { data: unknown[] };
    expect(data).toHaveLength(keys.length);
    for (const key of keys) expect(page.body).toContain((await get(key)).body);
  });
});
