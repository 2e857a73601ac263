import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActivityPage } from '../../../src/modules/activity/activity.schemas';
import { InitiativePage, InitiativeSchema, type Initiative } from '../../../src/modules/initiatives/initiatives.schemas';
import { makeApp, type TestApp } from '../../helpers/app';
import { createInitiative, createIteration, createKey, createTeam, createTheme, uniqueKey } from '../../helpers/factories';
import { errorPaths, expectProblem } from '../../helpers/problems';

let t: TestApp;
let team: { id: string; key: string };
let theme: { id: string; key: string };

beforeAll(async () => {
  t = await makeApp();
  team = await createTeam(t);
  theme = await createTheme(t);
});
afterAll(() => t.close());

const get = (ref: string, headers: Record<string, string> = {}) => t.call({ method: 'GET', url: `/v1/initiatives/${ref}`, headers });
const patch = (ref: string, payload: unknown, headers: Record<string, string> = {}, key?: string) =>
  t.call({ method: 'PATCH', url: `/v1/initiatives/${ref}`, payload: payload as object, headers, key });
const del = (ref: string, headers: Record<string, string> = {}) => t.call({ method: 'DELETE', url: `/v1/initiatives/${ref}`, headers });
const post = (payload: unknown) => t.call({ method: 'POST', url: '/v1/initiatives', payload: payload as object });
const read = async (ref: string): Promise<Initiative> => {
  const res = await get(ref);
  expect(res.statusCode, res.body).toBe(200);
  return InitiativeSchema.parse(res.json());
};
const activityOf = async (id: string) =>
  ActivityPage.parse((await t.call({ method: 'GET', url: `/v1/activity?entity_type=initiative&entity_id=${id}` })).json()).data;

/** Attributes whose JSON text is exactly `length` characters long (ASCII only). */
function attributesOfJsonLength(length: number): Record<string, string> {
  const attrs: Record<string, string> = {};
  let i = 0;
  while (JSON.stringify(attrs).length < length - 1100) attrs[`a${(i += 1)}`] = 'x'.repeat(1000);
  attrs.last = '';
  attrs.last = 'x'.repeat(length - JSON.stringify(attrs).length);
  expect(JSON.stringify(attrs)).toHaveLength(length);
  return attrs;
}

describe('creating and reading', () => {
  it('creates with 201, Location, ETag and defaults, and reads back by id and by key', async () => {
    const key = uniqueKey('ini');
    const res = await post({ key, title: '  Score inbound leads  ', team: team.key });
    expect(res.statusCode, res.body).toBe(201);
    const created = InitiativeSchema.parse(res.json());
    const now = t.clock.now().toISOString();
    expect(created).toEqual({
      id: created.id,
      key,
      title: 'Score inbound leads',
      summary: '',
      team: { id: team.id, key: team.key },
      owner: null,
      theme: null,
      horizon: 'next',
      status: 'active',
      tags: [],
      attributes: {},
      archived_at: null,
      current_iteration: null,
      version: 1,
      created_at: now,
      updated_at: now,
    });
    expect(created.id).toMatch(/^ini_[0-9a-z]{26}$/);
    expect(res.headers.location).toBe(`/v1/initiatives/${created.id}`);
    expect(res.headers.etag).toMatch(/^"[\w-]+"$/);

    for (const ref of [created.id, key]) {
      const got = await get(ref);
      expect(got.statusCode).toBe(200);
      expect(got.json()).toEqual(created);
      expect(got.headers.etag).toBe(res.headers.etag);
    }
  });

  it('keeps every field given on create, resolving team and theme by id or key', async () => {
    const payload = {
      key: uniqueKey('ini'),
      title: 'Pricing page test',
      summary: 'Try annual-first pricing.',
      team: team.id,
      owner: ' ana@example.com ',
      theme: theme.key,
      horizon: 'now',
      tags: ['pricing', 'q1:2026', 'pricing'],
      attributes: { region: 'emea', budget: 12000, pilot: true, sponsor: null },
    };
    const created = InitiativeSchema.parse((await post(payload)).json());
    expect(created).toMatchObject({
      summary: payload.summary,
      team: { id: team.id, key: team.key },
      owner: 'ana@example.com',
      theme: { id: theme.id, key: theme.key },
      horizon: 'now',
      tags: ['pricing', 'q1:2026'],
      attributes: payload.attributes,
    });
    expect(await read(created.key)).toEqual(created);
  });

  it('is 404 for an unknown id or key', async () => {
    const body = expectProblem(await get('no-such-initiative'), 404, 'not_found');
    expect(body.detail).toContain('no-such-initiative');
  });

  it('refuses a duplicate key with 409 and leaves the first one as it was', async () => {
    const first = await createInitiative(t, { team: team.key });
    const body = expectProblem(await post({ key: first.key, title: 'Another', team: team.key }), 409, 'conflict');
    expect(body.detail).toContain(first.key);
    expect(await read(first.key)).toEqual(first);
  });
});

describe('validation', () => {
  const valid = () => ({ key: uniqueKey('ini'), title: 'A title', team: team.key });

  it.each([
    ['an uppercase key', { key: 'Lead-Scoring' }, ['body.key']],
    ['a one-letter key', { key: 'a' }, ['body.key']],
    ['a key with a double dash', { key: 'lead--scoring' }, ['body.key']],
    ['a key that looks like an id', { key: 'ini_01jabcdefghjkmnpqrstvwxyz0' }, ['body.key']],
    ['a missing title', { title: undefined }, ['body.title']],
    ['a blank title', { title: '   ' }, ['body.title']],
    ['a tag with uppercase', { tags: ['ok', 'Inbound'] }, ['body.tags.1']],
    ['21 tags', { tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, ['body.tags']],
    ['a nested object attribute', { attributes: { region: { name: 'emea' } } }, ['body.attributes.region']],
    ['an array attribute', { attributes: { regions: ['emea'] } }, ['body.attributes.regions']],
    ['attributes over 8 KiB', { attributes: attributesOfJsonLength(8193) }, ['body.attributes']],
    ['an unknown horizon', { horizon: 'someday' }, ['body.horizon']],
    ['an unknown field', { colour: 'red' }, ['body.colour']],
    ['a status on create', { status: 'adopted' }, ['body.status']],
  ])('refuses %s with 400 naming the field', async (_label, change, paths) => {
    const payload: Record<string, unknown> = { ...valid(), ...change };
    const body = expectProblem(await post(payload), 400, 'validation_failed');
    expect(errorPaths(body)).toEqual(paths);
    expect(body.errors?.every((e) => e.message.length > 0)).toBe(true);
    if (typeof payload.key === 'string') expectProblem(await get(payload.key), 404, 'not_found');
  });

  it('accepts 20 tags and attributes of exactly 8 KiB', async () => {
    const tags = Array.from({ length: 20 }, (_, i) => `t${i}`);
    const attributes = attributesOfJsonLength(8192);
    const res = await post({ ...valid(), tags, attributes });
    expect(res.statusCode, res.body).toBe(201);
    expect(InitiativeSchema.parse(res.json())).toMatchObject({ tags, attributes });
  });

  it('measures the 8 KiB attribute limit in bytes, not characters', async () => {
    const attributes = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`city${i}`, 'é'.repeat(1000)]));
    expect(Buffer.byteLength(JSON.stringify(attributes))).toBeGreaterThan(10_000);
    const body = expectProblem(await post({ ...valid(), attributes }), 400, 'validation_failed');
    expect(errorPaths(body)).toEqual(['body.attributes']);
  });

  it('is 404 for an unknown team or theme, naming it, and creates nothing', async () => {
    const noTeam = { ...valid(), team: 'no-such-team' };
    expect(expectProblem(await post(noTeam), 404, 'not_found').detail).toContain('no-such-team');
    const noTheme = { ...valid(), theme: 'no-such-theme' };
    expect(expectProblem(await post(noTheme), 404, 'not_found').detail).toContain('no-such-theme');
    for (const p of [noTeam, noTheme]) expectProblem(await get(p.key), 404, 'not_found');
  });

  it('never changes the key: PATCH with key is 400 body.key', async () => {
    const item = await createInitiative(t, { team: team.key });
    const body = expectProblem(await patch(item.id, { key: 'another-key' }), 400, 'validation_failed');
    expect(errorPaths(body)).toEqual(['body.key']);
    expect(body.errors?.[0]?.message).toMatch(/not a known field/);
    expect(await read(item.id)).toEqual(item);
    expectProblem(await get('another-key'), 404, 'not_found');
  });

  it('validates PATCH bodies like create bodies', async () => {
    const item = await createInitiative(t, { team: team.key });
    const cases: [unknown, string][] = [
      [{ title: '' }, 'body.title'],
      [{ tags: ['Bad Tag'] }, 'body.tags.0'],
      [{ attributes: { nested: { a: 1 } } }, 'body.attributes.nested'],
      [{ status: 'finished' }, 'body.status'],
      [{ archived: 'yes' }, 'body.archived'],
    ];
    for (const [payload, path] of cases) {
      expect(errorPaths(expectProblem(await patch(item.id, payload), 400, 'validation_failed'))).toEqual([path]);
    }
    expectProblem(await patch(item.id, { team: 'no-such-team' }), 404, 'not_found');
    expectProblem(await patch(item.id, { theme: 'no-such-theme' }), 404, 'not_found');
    expect(await read(item.id)).toEqual(item);
  });
});

describe('updating', () => {
  it('changes the given fields, bumps the version by exactly 1 and the ETag', async () => {
    const item = await createInitiative(t, { team: team.key, tags: ['a'], attributes: { region: 'emea' } });
    const etag = (await get(item.id)).headers.etag;
    t.clock.advanceDays(1);
    const res = await patch(item.key, { title: 'New title', horizon: 'later', tags: ['b', 'c'], attributes: { region: 'apac', seats: 3 }, owner: 'bo' });
    expect(res.statusCode, res.body).toBe(200);
    const updated = InitiativeSchema.parse(res.json());
    expect(updated).toEqual({
      ...item,
      title: 'New title',
      horizon: 'later',
      tags: ['b', 'c'],
      attributes: { region: 'apac', seats: 3 },
      owner: 'bo',
      version: 2,
      updated_at: t.clock.now().toISOString(),
    });
    expect(res.headers.etag).toMatch(/^"[\w-]+"$/);
    expect(res.headers.etag).not.toBe(etag);
    expect(await read(item.id)).toEqual(updated);

    const again = InitiativeSchema.parse((await patch(item.id, { summary: 'Why' })).json());
    expect(again.version).toBe(3);
  });

  it('does not bump the version or updated_at when nothing changes', async () => {
    const item = await createInitiative(t, { team: team.key, tags: ['x', 'y'], owner: 'ana', theme: theme.key });
    t.clock.advanceDays(1);
    const res = await patch(item.id, {
      title: item.title,
      tags: ['x', 'y', 'x'],
      owner: 'ana',
      theme: theme.id,
      team: team.key,
      archived: false,
      status: 'active',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual(item);
    expect((await patch(item.id, {})).json()).toEqual(item);
    expect(await read(item.id)).toEqual(item);
    expect((await activityOf(item.id)).map((e) => e.action)).toEqual(['initiative.created']);
  });

  it('honours If-Match: a stale ETag is 412 and changes nothing, the fresh one succeeds', async () => {
    const item = await createInitiative(t, { team: team.key });
    const stale = (await get(item.id)).headers.etag as string;
    await patch(item.id, { title: 'Changed by someone else' });
    const fresh = (await get(item.id)).headers.etag as string;
    expect(fresh).not.toBe(stale);

    const lost = expectProblem(await patch(item.id, { title: 'Lost update' }, { 'if-match': stale }), 412, 'precondition_failed');
    expect(lost.current_version).toBe(2);
    expect(fresh).toMatch(/^"v2-/);
    expect((await read(item.id)).title).toBe('Changed by someone else');
    expectProblem(await del(item.id, { 'if-match': stale }), 412, 'precondition_failed');
    expect((await read(item.id)).archived_at).toBeNull();

    const ok = await patch(item.id, { title: 'Safe update' }, { 'if-match': fresh });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ title: 'Safe update', version: 3 });
    // If-Match compares strongly (RFC 9110): a weak tag never matches.
    const weak = await patch(item.id, { title: 'Weak tag' }, { 'if-match': `W/${ok.headers.etag as string}` });
    expectProblem(weak, 412, 'precondition_failed');
  });

  it('answers If-None-Match with 304 while unchanged, 200 after a change', async () => {
    const item = await createInitiative(t, { team: team.key });
    const etag = (await get(item.id)).headers.etag as string;
    const cached = await get(item.key, { 'if-none-match': etag });
    expect(cached.statusCode).toBe(304);
    expect(cached.body).toBe('');
    expect(cached.headers.etag).toBe(etag);

    // The embedded current iteration is part of the representation: a new iteration changes the ETag.
    await createIteration(t, item.id);
    const changed = await get(item.id, { 'if-none-match': etag });
    expect(changed.statusCode).toBe(200);
    expect(InitiativeSchema.parse(changed.json()).current_iteration).toMatchObject({ number: 1, status: 'planned' });
    expect(changed.headers.etag).not.toBe(etag);
  });

  it('moves an initiative to another team', async () => {
    const other = await createTeam(t);
    const item = await createInitiative(t, { team: team.key });
    const res = await patch(item.id, { team: other.key });
    expect(res.statusCode, res.body).toBe(200);
    expect(InitiativeSchema.parse(res.json())).toMatchObject({ team: { id: other.id, key: other.key }, version: 2 });
    const list = InitiativePage.parse((await t.call({ method: 'GET', url: `/v1/initiatives?team=${other.key}` })).json());
    expect(list.data.map((i) => i.id)).toEqual([item.id]);
  });

  it('sets and clears the theme', async () => {
    const item = await createInitiative(t, { team: team.key });
    expect(InitiativeSchema.parse((await patch(item.id, { theme: theme.key })).json()).theme).toEqual({ id: theme.id, key: theme.key });
    const cleared = InitiativeSchema.parse((await patch(item.id, { theme: null })).json());
    expect(cleared).toMatchObject({ theme: null, version: 3 });
    expect((await read(item.id)).theme).toBeNull();
  });
});

describe('archiving', () => {
  it('DELETE archives: 204, still readable, hidden from the default list, restored by PATCH {"archived": false}', async () => {
    const item = await createInitiative(t, { team: team.key });
    const listed = async (query: string) =>
      InitiativePage.parse((await t.call({ method: 'GET', url: `/v1/initiatives?team=${team.key}&limit=500${query}` })).json()).data.map(
        (i) => i.id,
      );
    expect(await listed('')).toContain(item.id);

    t.clock.advanceDays(1);
    const archivedAt = t.clock.now().toISOString();
    const res = await del(item.key);
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');

    const archived = await read(item.id);
    expect(archived).toEqual({ ...item, archived_at: archivedAt, version: 2, updated_at: archivedAt });
    expect(await listed('')).not.toContain(item.id);
    expect(await listed('&archived=true')).toContain(item.id);
    expect(await listed('&archived=all')).toContain(item.id);

    // Repeating the DELETE is harmless.
    expect((await del(item.id)).statusCode).toBe(204);
    expect(await read(item.id)).toEqual(archived);

    t.clock.advanceDays(1);
    const restored = await patch(item.id, { archived: false });
    expect(restored.statusCode, restored.body).toBe(200);
    expect(InitiativeSchema.parse(restored.json())).toEqual({ ...item, version: 3, updated_at: t.clock.now().toISOString() });
    expect(await listed('')).toContain(item.id);
    expect(await listed('&archived=true')).not.toContain(item.id);
  });

  it('refuses every other write to an archived initiative with 409 frozen', async () => {
    const item = await createInitiative(t, { team: team.key });
    expect((await del(item.id)).statusCode).toBe(204);
    const archived = await read(item.id);

    for (const payload of [{ title: 'Sneaky' }, { tags: ['x'] }, { archived: true, title: 'Sneaky' }]) {
      const body = expectProblem(await patch(item.id, payload), 409, 'frozen');
      expect(body.detail).toContain(item.key);
      expect(body.archived_at).toBe(archived.archived_at);
    }
    expectProblem(await t.call({ method: 'POST', url: `/v1/initiatives/${item.id}/iterations`, payload: {} }), 409, 'frozen');
    expect(await read(item.id)).toEqual(archived);
    // Archiving again changes nothing, like a second DELETE.
    const again = await patch(item.id, { archived: true });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(archived);

    // Restoring and changing a field in the same PATCH is allowed.
    const res = await patch(item.id, { archived: false, title: 'Back again' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ archived_at: null, title: 'Back again' });
  });
});

describe('activity log', () => {
  it('records created, updated (changed fields only), archived and restored with the actor', async () => {
    const editor = await createKey(t, 'editor', [team.key]);
    const created = InitiativeSchema.parse(
      (
        await t.call({
          method: 'POST',
          url: '/v1/initiatives',
          key: editor.secret,
          payload: { key: uniqueKey('ini'), title: 'Logged', team: team.key, tags: ['a'] },
        })
      ).json(),
    );
    t.clock.advanceDays(1);
    const t1 = t.clock.now().toISOString();
    const upd = await patch(created.id, { title: 'Logged again', tags: ['a'] }, {}, editor.secret);
    expect(upd.statusCode, upd.body).toBe(200);
    t.clock.advanceDays(1);
    const t2 = t.clock.now().toISOString();
    expect((await t.call({ method: 'DELETE', url: `/v1/initiatives/${created.id}`, key: editor.secret })).statusCode).toBe(204);
    t.clock.advanceDays(1);
    const t3 = t.clock.now().toISOString();
    expect((await patch(created.id, { archived: false }, {}, editor.secret)).statusCode).toBe(200);

    const log = await activityOf(created.id);
    expect(log.map((e) => e.action)).toEqual(['initiative.restored', 'initiative.archived', 'initiative.updated', 'initiative.created']);
    for (const e of log) expect(e.actor).toEqual({ key_id: editor.id, name: editor.name });
    const [restored, archived, updated, create] = log;

    // The log keeps the initiative's own fields; its current iteration is derived, not part of it.
    const { current_iteration: _current, ...own } = created;
    expect(create).toMatchObject({ entity_type: 'initiative', entity_id: created.id, before: null, after: own, at: created.created_at });
    expect(create!.after).not.toHaveProperty('current_iteration');
    expect(updated).toMatchObject({ request_id: upd.headers['x-request-id'], at: t1 });
    expect(updated!.before).toEqual({ title: 'Logged', version: 1, updated_at: created.updated_at });
    expect(updated!.after).toEqual({ title: 'Logged again', version: 2, updated_at: t1 });
    expect(archived!.before).toEqual({ archived_at: null, version: 2, updated_at: t1 });
    expect(archived!.after).toEqual({ archived_at: t2, version: 3, updated_at: t2 });
    expect(restored!.before).toEqual({ archived_at: t2, version: 3, updated_at: t2 });
    expect(restored!.after).toEqual({ archived_at: null, version: 4, updated_at: t3 });
  });

  // A client that sends the whole object (archived: false included) is editing, not restoring.
  it('logs an edit of a live initiative as initiative.updated even when the body says archived: false', async () => {
    const item = await createInitiative(t, { team: team.key });
    expect((await patch(item.id, { title: 'Edited', archived: false })).statusCode).toBe(200);
    const [entry] = await activityOf(item.id);
    expect(entry!.after).toMatchObject({ title: 'Edited' });
    expect(entry!.action).toBe('initiative.updated');
  });

  it('logs PATCH {"archived": true} as initiative.archived', async () => {
    const item = await createInitiative(t, { team: team.key });
    const res = await patch(item.id, { archived: true });
    expect(res.statusCode).toBe(200);
    expect(res.json().archived_at).toEqual(expect.any(String));
    const [entry] = await activityOf(item.id);
    expect(entry!.action).toBe('initiative.archived');
  });

  it('logs a team move with the team before and after', async () => {
    const other = await createTeam(t);
    const item = await createInitiative(t, { team: team.key });
    await patch(item.id, { team: other.id });
    const [moved] = await activityOf(item.id);
    expect(moved!.action).toBe('initiative.updated');
    expect(moved!.before).toMatchObject({ team: { id: team.id, key: team.key } });
    expect(moved!.after).toMatchObject({ team: { id: other.id, key: other.key } });
    expect(moved!.actor.name).toBe('admin (ADMIN_API_KEY)');
  });
});
