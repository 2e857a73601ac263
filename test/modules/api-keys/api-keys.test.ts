import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/db/client';
import { ApiKeyPage, ApiKeySchema } from '../../../src/modules/api-keys/api-keys.schemas';
import { authenticate, createApiKey } from '../../../src/modules/api-keys/api-keys.service';
import { ensureAdminKey } from '../../../src/modules/api-keys/api-keys.bootstrap';
import { ActivityPage } from '../../../src/modules/activity/activity.schemas';
import { ADMIN_KEY, makeApp, type TestApp } from '../../helpers/app';
import { TestClock } from '../../helpers/clock';
import { createKey, createTeam, uniqueKey } from '../../helpers/factories';
import { errorPaths, expectProblem } from '../../helpers/problems';

let t: TestApp;
beforeAll(async () => {
  t = await makeApp();
});
afterAll(() => t.close());

const get = (url: string, key?: string | null) => t.call({ method: 'GET', url, key });

describe('creating keys', () => {
  it('shows the secret once, with Location and Cache-Control: no-store', async () => {
    const team = await createTeam(t);
    for (const [role, teams] of [['admin', []], ['viewer', []], ['editor', [team.key]]] as const) {
      const res = await t.call({ method: 'POST', url: '/v1/api-keys', payload: { name: `  ${role} bot  `, role, teams } });
      expect(res.statusCode, res.body).toBe(201);
      const body = res.json();
      expect(body).toMatchObject({ name: `${role} bot`, role, revoked_at: null, version: 1 });
      expect(body.secret).toMatch(/^rw_[A-Za-z0-9_-]{40,}$/);
      expect(body.secret.startsWith(body.secret_prefix)).toBe(true);
      expect(res.headers.location).toBe(`/v1/api-keys/${body.id}`);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(body.teams).toEqual(role === 'editor' ? [{ id: team.id, key: team.key }] : []);

      const read = await get(res.headers.location as string);
      expect(read.statusCode).toBe(200);
      expect(read.json()).toEqual(ApiKeySchema.parse(body));
      expect(read.json()).not.toHaveProperty('secret');
      expect(read.body).not.toContain(body.secret);
    }
  });

  it('never shows a secret in the list and stores only its hash', async () => {
    const created = await createKey(t, 'viewer');
    const list = await get('/v1/api-keys?limit=500');
    expect(list.statusCode).toBe(200);
    const page = ApiKeyPage.parse(list.json());
    expect(page.data.map((k) => k.id)).toContain(created.id);
    expect(list.body).not.toContain(created.secret);
    for (const k of list.json().data) expect(k).not.toHaveProperty('secret');

    const rows = t.db.$client.prepare('SELECT * FROM api_keys').all() as Record<string, unknown>[];
    expect(rows.length).toBeGreaterThan(1);
    for (const row of rows) {
      for (const value of Object.values(row)) expect(String(value)).not.toContain(created.secret);
    }
    const dump = JSON.stringify(t.db.$client.prepare('SELECT * FROM activity').all());
    expect(dump).not.toContain(created.secret);
    expect(dump).not.toContain('"secret"');

    // At most rw_ and four random characters of a generated secret are kept in clear, and
    // nothing of a secret an operator chose.
    expect(created.secret_prefix).toBe(created.secret.slice(0, 7));
    const envKey = page.data.find((k) => k.name.includes('ADMIN_API_KEY'));
    expect(envKey?.secret_prefix).toBe('(ADMIN_API_KEY)');
    const everything = JSON.stringify(rows) + dump + list.body;
    expect(everything).not.toContain(ADMIN_KEY.slice(0, 8));
  });

  it('resolves an editor\'s teams by id or key, once each', async () => {
    const a = await createTeam(t);
    const b = await createTeam(t);
    const key = await createKey(t, 'editor', [a.id, b.key, a.key]);
    expect(key.teams.map((x) => x.id).sort()).toEqual([a.id, b.id].sort());
  });

  it('requires teams for editors and refuses them for admins and viewers', async () => {
    const team = await createTeam(t);
    const cases = [
      { role: 'editor', teams: [] },
      { role: 'editor' },
      { role: 'viewer', teams: [team.key] },
      { role: 'admin', teams: [team.id] },
    ];
    for (const c of cases) {
      const body = expectProblem(await t.call({ method: 'POST', url: '/v1/api-keys', payload: { name: 'x', ...c } }), 400, 'validation_failed');
      expect(errorPaths(body)).toEqual(['body.teams']);
    }
  });

  it('is 404 for an unknown team, and creates nothing', async () => {
    const name = uniqueKey('ghost');
    const body = expectProblem(
      await t.call({ method: 'POST', url: '/v1/api-keys', payload: { name, role: 'editor', teams: ['no-such-team'] } }),
      404,
      'not_found',
    );
    expect(body.detail).toContain('no-such-team');
    const list = ApiKeyPage.parse((await get('/v1/api-keys?limit=500')).json());
    expect(list.data.some((k) => k.name === name)).toBe(false);
  });

  it('gives each role exactly its rights', async () => {
    const team = await createTeam(t);
    const viewer = await createKey(t, 'viewer');
    const editor = await createKey(t, 'editor', [team.key]);
    const admin = await createKey(t, 'admin');

    for (const k of [viewer, editor, admin]) expect((await get('/v1/teams', k.secret)).statusCode).toBe(200);
    expect((await get('/v1/api-keys', admin.secret)).statusCode).toBe(200);
    for (const k of [viewer, editor]) {
      const body = expectProblem(await get('/v1/api-keys', k.secret), 403, 'forbidden');
      expect(body.detail).toContain(k.role);
      expectProblem(await t.call({ method: 'POST', url: '/v1/api-keys', key: k.secret, payload: { name: 'x', role: 'admin' } }), 403, 'forbidden');
    }
    const made = await t.call({ method: 'POST', url: '/v1/api-keys', key: admin.secret, payload: { name: 'by new admin', role: 'viewer' } });
    expect(made.statusCode).toBe(201);
  });
});

describe('revoking keys', () => {
  it('answers 401 for the key from then on, and repeating the revoke is harmless', async () => {
    const key = await createKey(t, 'viewer');
    expect((await get('/v1/teams', key.secret)).statusCode).toBe(200);

    const res = await t.call({ method: 'DELETE', url: `/v1/api-keys/${key.id}` });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expectProblem(await get('/v1/teams', key.secret), 401, 'unauthorized');

    const after = ApiKeySchema.parse((await get(`/v1/api-keys/${key.id}`)).json());
    expect(after.revoked_at).toBe(t.clock.now().toISOString());
    expect(after.version).toBe(2);

    expect((await t.call({ method: 'DELETE', url: `/v1/api-keys/${key.id}` })).statusCode).toBe(204);
    expect(ApiKeySchema.parse((await get(`/v1/api-keys/${key.id}`)).json()).version).toBe(2);
    expectProblem(await t.call({ method: 'DELETE', url: '/v1/api-keys/key_nope' }), 404, 'not_found');
  });

  it('honours If-Match', async () => {
    const key = await createKey(t, 'viewer');
    const read = await get(`/v1/api-keys/${key.id}`);
    const etag = read.headers.etag as string;
    expectProblem(await t.call({ method: 'DELETE', url: `/v1/api-keys/${key.id}`, headers: { 'if-match': '"stale"' } }), 412, 'precondition_failed');
    expect((await get('/v1/teams', key.secret)).statusCode).toBe(200);
    expect((await t.call({ method: 'DELETE', url: `/v1/api-keys/${key.id}`, headers: { 'if-match': etag } })).statusCode).toBe(204);
  });

  it('refuses to revoke the ADMIN_API_KEY key: the setting would bring it back at the next start', async () => {
    const envKey = ApiKeyPage.parse((await get('/v1/api-keys?role=admin&revoked=false')).json()).data.find((k) => k.name.includes('ADMIN_API_KEY'))!;
    const second = await createKey(t, 'admin');
    const body = expectProblem(await t.call({ method: 'DELETE', url: `/v1/api-keys/${envKey.id}`, key: second.secret }), 409, 'conflict');
    expect(body.detail).toMatch(/ADMIN_API_KEY/);
    expect((await get('/v1/teams')).statusCode).toBe(200);
  });

  it('refuses to revoke the last active admin key', async () => {
    const fresh = await makeApp({ ADMIN_API_KEY: '' });
    try {
      const keys = ApiKeyPage.parse((await fresh.call({ method: 'GET', url: '/v1/api-keys?role=admin' })).json()).data;
      expect(keys).toHaveLength(1);
      const only = keys[0]!;
      const body = expectProblem(await fresh.call({ method: 'DELETE', url: `/v1/api-keys/${only.id}` }), 409, 'conflict');
      expect(body.detail).toMatch(/last active admin/);
      expect((await fresh.call({ method: 'GET', url: '/v1/teams' })).statusCode).toBe(200);

      const second = await createKey(fresh, 'admin');
      expect((await fresh.call({ method: 'DELETE', url: `/v1/api-keys/${only.id}`, key: second.secret })).statusCode).toBe(204);
      expectProblem(await fresh.call({ method: 'GET', url: '/v1/teams' }), 401, 'unauthorized');
      expectProblem(await fresh.call({ method: 'DELETE', url: `/v1/api-keys/${second.id}`, key: second.secret }), 409, 'conflict');
    } finally {
      await fresh.close();
    }
  });
});

describe('listing keys', () => {
  it('filters by role and revoked, and pages without repeats', async () => {
    const viewers = [await createKey(t, 'viewer'), await createKey(t, 'viewer'), await createKey(t, 'viewer')];
    await t.call({ method: 'DELETE', url: `/v1/api-keys/${viewers[0]!.id}` });

    const all = ApiKeyPage.parse((await get('/v1/api-keys?limit=500')).json()).data;
    const byRole = ApiKeyPage.parse((await get('/v1/api-keys?role=viewer&limit=500')).json()).data;
    expect(byRole.length).toBeGreaterThanOrEqual(3);
    expect(byRole.every((k) => k.role === 'viewer')).toBe(true);
    expect(byRole.length).toBe(all.filter((k) => k.role === 'viewer').length);

    const revoked = ApiKeyPage.parse((await get('/v1/api-keys?revoked=true&limit=500')).json()).data;
    const active = ApiKeyPage.parse((await get('/v1/api-keys?revoked=false&limit=500')).json()).data;
    expect(revoked.map((k) => k.id)).toContain(viewers[0]!.id);
    expect(revoked.every((k) => k.revoked_at !== null)).toBe(true);
    expect(active.every((k) => k.revoked_at === null)).toBe(true);
    expect(active.map((k) => k.id)).toEqual(expect.arrayContaining([viewers[1]!.id, viewers[2]!.id]));
    expect(revoked.length + active.length).toBe(all.length);

    const seen: string[] = [];
    let url: string | null = '/v1/api-keys?limit=2';
    while (url) {
      const res = await get(url);
      const page = ApiKeyPage.parse(res.json());
      expect(page.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.data.map((k) => k.id));
      url = page.next_cursor ? `/v1/api-keys?limit=2&cursor=${page.next_cursor}` : null;
    }
    expect(seen).toEqual(all.map((k) => k.id));
  });
});

describe('activity', () => {
  it('records api_key.created and api_key.revoked without the secret', async () => {
    const key = await createKey(t, 'viewer');
    t.clock.advanceDays(1);
    const del = await t.call({ method: 'DELETE', url: `/v1/api-keys/${key.id}` });
    const res = await get(`/v1/activity?entity_type=api_key&entity_id=${key.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain(key.secret);
    const entries = ActivityPage.parse(res.json()).data;
    expect(entries.map((e) => e.action)).toEqual(['api_key.revoked', 'api_key.created']);
    const [revoked, created] = entries;
    expect(created).toMatchObject({ before: null, after: { id: key.id, role: 'viewer', name: key.name } });
    expect(created!.after).not.toHaveProperty('secret');
    expect(revoked).toMatchObject({
      request_id: del.headers['x-request-id'],
      before: { revoked_at: null, version: 1 },
      after: { revoked_at: t.clock.now().toISOString(), version: 2 },
    });
    expect(revoked!.actor.name).toBe('admin (ADMIN_API_KEY)');
  });
});

describe('API key activity', () => {
  it('is shown to admins only, and never carries any part of a secret', async () => {
    const viewer = await createKey(t, 'viewer');
    const seenByViewer = ActivityPage.parse((await get('/v1/activity?limit=500', viewer.secret)).json()).data;
    expect(seenByViewer.length).toBeGreaterThan(0);
    expect(seenByViewer.filter((e) => e.entity_type === 'api_key')).toEqual([]);
    expect(ActivityPage.parse((await get('/v1/activity?entity_type=api_key', viewer.secret)).json()).data).toEqual([]);

    const seenByAdmin = ActivityPage.parse((await get('/v1/activity?entity_type=api_key&limit=500')).json()).data;
    expect(seenByAdmin.map((e) => e.entity_id)).toContain(viewer.id);
    const text = JSON.stringify(seenByAdmin);
    expect(text).not.toContain('secret_prefix');
    expect(text).not.toContain(viewer.secret.slice(0, 10));
  });
});

describe('ensureAdminKey', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'roadworks-keys-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('replaces the admin key when ADMIN_API_KEY changes between starts', async () => {
    const file = join(dir, 'rotate.sqlite');
    const oldKey = 'rw_old_admin_key_aaaaaaaaaaaaaaaa';
    const newKey = 'rw_new_admin_key_bbbbbbbbbbbbbbbb';

    const first = await makeApp({ ADMIN_API_KEY: oldKey }, file);
    expect((await first.call({ method: 'GET', url: '/v1/teams', key: oldKey })).statusCode).toBe(200);
    await first.close();

    const second = await makeApp({ ADMIN_API_KEY: newKey }, file);
    try {
      expectProblem(await second.call({ method: 'GET', url: '/v1/teams', key: oldKey }), 401, 'unauthorized');
      expect((await second.call({ method: 'GET', url: '/v1/teams', key: newKey })).statusCode).toBe(200);
      const admins = ApiKeyPage.parse((await second.call({ method: 'GET', url: '/v1/api-keys?role=admin&revoked=false', key: newKey })).json());
      expect(admins.data).toHaveLength(1);
    } finally {
      await second.close();
    }

    // Rotating back reinstates the old key, revokes the newer one, and logs both changes.
    const third = await makeApp({ ADMIN_API_KEY: oldKey }, file);
    try {
      expectProblem(await third.call({ method: 'GET', url: '/v1/teams', key: newKey }), 401, 'unauthorized');
      expect((await third.call({ method: 'GET', url: '/v1/teams', key: oldKey })).statusCode).toBe(200);
      const log = ActivityPage.parse((await third.call({ method: 'GET', url: '/v1/activity?entity_type=api_key', key: oldKey })).json()).data;
      expect(log.map((e) => e.action)).toEqual(['api_key.updated', 'api_key.revoked', 'api_key.created', 'api_key.revoked', 'api_key.created']);
      expect(log[0]).toMatchObject({ actor: { key_id: 'system' }, before: { revoked_at: expect.any(String) }, after: { revoked_at: null } });
    } finally {
      await third.close();
    }
  });

  it('a created key named by ADMIN_API_KEY becomes the bootstrap admin, and a later rotation revokes it', () => {
    const db = openDatabase({ path: ':memory:' });
    try {
      const clock = new TestClock();
      ensureAdminKey(db, clock, 'rw_first_admin_key_cccccccccccccccc');
      const ctx = { db, clock, config: t.config, requestId: 'test', actor: authenticate(db, 'rw_first_admin_key_cccccccccccccccc')! };
      const viewer = createApiKey(ctx, { name: 'dash', role: 'viewer', teams: [] });
      ensureAdminKey(db, clock, viewer.secret);
      expect(authenticate(db, viewer.secret)).toMatchObject({ role: 'admin' });
      ensureAdminKey(db, clock, 'rw_third_admin_key_dddddddddddddddd');
      expect(authenticate(db, viewer.secret)).toBeUndefined();
      expect(authenticate(db, 'rw_first_admin_key_cccccccccccccccc')).toBeUndefined();
    } finally {
      db.$client.close();
    }
  });

  it('without ADMIN_API_KEY generates a secret on a fresh database, once', () => {
    const db = openDatabase({ path: ':memory:' });
    try {
      const clock = new TestClock();
      const { generatedSecret } = ensureAdminKey(db, clock);
      expect(generatedSecret).toMatch(/^rw_/);
      expect(authenticate(db, generatedSecret!)).toMatchObject({ role: 'admin' });
      expect(ensureAdminKey(db, clock)).toEqual({});
      expect(authenticate(db, generatedSecret!)).toMatchObject({ role: 'admin' });
      const count = db.$client.prepare('SELECT count(*) AS n FROM api_keys').get() as { n: number };
      expect(count.n).toBe(1);
    } finally {
      db.$client.close();
    }
  });
});
