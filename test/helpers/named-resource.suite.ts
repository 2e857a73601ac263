import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActivityPage } from '../../src/modules/activity/activity.schemas';
import type { namedSchemas } from '../../src/modules/shared/named-resource.schemas';
import { makeApp, type TestApp } from './app';
import { createKey, createTeam, createTheme, uniqueKey } from './factories';
import { expectProblem } from './problems';

export interface NamedSuiteOptions {
  plural: 'teams' | 'themes';
  entity: 'team' | 'theme';
  idPrefix: string;
  schemas: ReturnType<typeof namedSchemas>;
}

const nextLink = (header: string | string[] | undefined): string | undefined =>
  /^<([^>]+)>;\s*rel="next"$/.exec(String(header ?? ''))?.[1];

/**
 * The behaviour teams and themes share (admin-managed, keyed, versioned entries). Each test file
 * calls this once, so each still runs against its own fresh database.
 */
export function describeNamedResource({ plural, entity, idPrefix, schemas }: NamedSuiteOptions): { app: () => TestApp } {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeApp();
  });
  afterAll(() => t.close());

  const base = `/v1/${plural}`;
  const create = (overrides: { key?: string; name?: string; description?: string } = {}) =>
    plural === 'teams' ? createTeam(t, overrides) : createTheme(t, overrides);
  const activityOf = async (id: string) =>
    ActivityPage.parse((await t.call({ method: 'GET', url: `/v1/activity?entity_type=${entity}&entity_id=${id}` })).json()).data;

  describe(`${plural}: create and read`, () => {
    it('creates with 201, Location and ETag, and reads back by id and by key', async () => {
      const key = uniqueKey(entity);
      const res = await t.call({ method: 'POST', url: base, payload: { key, name: '  Spaced name  ' } });
      expect(res.statusCode, res.body).toBe(201);
      const created = schemas.Entity.parse(res.json());
      expect(created).toMatchObject({ key, name: 'Spaced name', description: '', version: 1 });
      expect(created.id).toMatch(new RegExp(`^${idPrefix}_[0-9a-z]{26}$`));
      expect(created.created_at).toBe(t.clock.now().toISOString());
      expect(res.headers.location).toBe(`${base}/${created.id}`);
      expect(res.headers.etag).toMatch(/^"[\w-]+"$/);

      for (const ref of [created.id, key]) {
        const read = await t.call({ method: 'GET', url: `${base}/${ref}` });
        expect(read.statusCode).toBe(200);
        expect(read.json()).toEqual(created);
        expect(read.headers.etag).toBe(res.headers.etag);
      }
    });

    it('refuses a duplicate key with 409 naming it', async () => {
      const existing = await create();
      const body = expectProblem(await t.call({ method: 'POST', url: base, payload: { key: existing.key, name: 'again' } }), 409, 'conflict');
      expect(body.detail).toContain(existing.key);
    });

    it('answers 304 to If-None-Match with the current ETag, 200 otherwise', async () => {
      const item = await create();
      const first = await t.call({ method: 'GET', url: `${base}/${item.id}` });
      const etag = first.headers.etag as string;
      const cached = await t.call({ method: 'GET', url: `${base}/${item.id}`, headers: { 'if-none-match': etag } });
      expect(cached.statusCode).toBe(304);
      expect(cached.body).toBe('');
      expect(cached.headers.etag).toBe(etag);
      const other = await t.call({ method: 'GET', url: `${base}/${item.id}`, headers: { 'if-none-match': '"something-else"' } });
      expect(other.statusCode).toBe(200);
    });

    it('is 404 for an unknown id or key, to a read and to a change', async () => {
      const body = expectProblem(await t.call({ method: 'GET', url: `${base}/no-such-${entity}` }), 404, 'not_found');
      expect(body.detail).toContain(`no-such-${entity}`);
      expectProblem(await t.call({ method: 'PATCH', url: `${base}/no-such-${entity}`, payload: { name: 'Renamed' } }), 404, 'not_found');
    });
  });

  describe(`${plural}: list`, () => {
    it('returns every item exactly once across pages, with next_cursor and Link rel="next"', async () => {
      for (let i = 0; i < 7; i += 1) await create();
      const everything = schemas.Page.parse((await t.call({ method: 'GET', url: `${base}?limit=500` })).json()).data;
      expect(everything.length).toBeGreaterThanOrEqual(7);

      const seen: string[] = [];
      let url: string | undefined = `${base}?limit=3`;
      let pages = 0;
      while (url) {
        const res = await t.call({ method: 'GET', url });
        expect(res.statusCode).toBe(200);
        const page = schemas.Page.parse(res.json());
        seen.push(...page.data.map((x) => x.id));
        pages += 1;
        const link = nextLink(res.headers.link);
        if (page.next_cursor) {
          expect(page.data).toHaveLength(3);
          expect(link).toBeDefined();
          const next = new URL(link!, 'http://x');
          expect(next.pathname).toBe(base);
          expect(next.searchParams.get('cursor')).toBe(page.next_cursor);
          expect(next.searchParams.get('limit')).toBe('3');
          // Alternate between following the Link header and building the URL from next_cursor.
          url = pages % 2 ? link : `${base}?limit=3&cursor=${encodeURIComponent(page.next_cursor)}`;
        } else {
          expect(res.headers.link).toBeUndefined();
          url = undefined;
        }
        expect(pages).toBeLessThan(100);
      }
      expect(seen).toEqual(everything.map((x) => x.id));
      expect(new Set(seen).size).toBe(seen.length);
      expect(pages).toBe(Math.ceil(everything.length / 3));
    });
  });

  describe(`${plural}: update and delete`, () => {
    it('PATCH with a fresh If-Match bumps the version; a stale one is 412', async () => {
      const item = await create({ description: 'original' });
      const etag = (await t.call({ method: 'GET', url: `${base}/${item.id}` })).headers.etag as string;
      t.clock.advanceDays(1);

      const res = await t.call({ method: 'PATCH', url: `${base}/${item.key}`, headers: { 'if-match': etag }, payload: { name: 'Renamed' } });
      expect(res.statusCode, res.body).toBe(200);
      const updated = schemas.Entity.parse(res.json());
      expect(updated).toEqual({ ...item, name: 'Renamed', version: item.version + 1, updated_at: t.clock.now().toISOString() });
      expect(res.headers.etag).toBeDefined();
      expect(res.headers.etag).not.toBe(etag);

      const stale = await t.call({ method: 'PATCH', url: `${base}/${item.id}`, headers: { 'if-match': etag }, payload: { name: 'Lost update' } });
      const problem = expectProblem(stale, 412, 'precondition_failed');
      expect(problem.current_version).toBe(updated.version);
      expect(res.headers.etag).toMatch(new RegExp(`^"v${updated.version}-`));
      expect(schemas.Entity.parse((await t.call({ method: 'GET', url: `${base}/${item.id}` })).json()).name).toBe('Renamed');

      const noop = await t.call({ method: 'PATCH', url: `${base}/${item.id}`, payload: { name: 'Renamed' } });
      expect(noop.json()).toMatchObject({ version: item.version + 1 });
    });

    it('refuses to change the key and unknown fields', async () => {
      const item = await create();
      const res = await t.call({ method: 'PATCH', url: `${base}/${item.id}`, payload: { key: 'other-key' } });
      expect(expectProblem(res, 400, 'validation_failed').errors?.map((e) => e.path)).toEqual(['body.key']);
    });

    it('DELETE honours If-Match, answers 204, and the item is gone', async () => {
      const item = await create();
      expectProblem(await t.call({ method: 'DELETE', url: `${base}/${item.id}`, headers: { 'if-match': '"stale"' } }), 412, 'precondition_failed');
      const etag = (await t.call({ method: 'GET', url: `${base}/${item.id}` })).headers.etag as string;
      const res = await t.call({ method: 'DELETE', url: `${base}/${item.id}`, headers: { 'if-match': etag } });
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expectProblem(await t.call({ method: 'GET', url: `${base}/${item.id}` }), 404, 'not_found');
      expectProblem(await t.call({ method: 'DELETE', url: `${base}/${item.id}` }), 404, 'not_found');
      // A deleted key is free again.
      expect((await create({ key: item.key })).id).not.toBe(item.id);
    });

    it('records created, updated (changed fields only) and deleted in the activity log', async () => {
      const item = await create({ description: 'keep me' });
      t.clock.advanceDays(1);
      const patch = await t.call({ method: 'PATCH', url: `${base}/${item.id}`, payload: { name: 'New name', description: 'keep me' } });
      const updatedAt = t.clock.now().toISOString();
      await t.call({ method: 'DELETE', url: `${base}/${item.id}` });

      const log = await activityOf(item.id);
      expect(log.map((e) => e.action)).toEqual([`${entity}.deleted`, `${entity}.updated`, `${entity}.created`]);
      const [deleted, updated, created] = log;
      expect(created).toMatchObject({ before: null, after: item, actor: { name: 'admin (ADMIN_API_KEY)' } });
      expect(updated).toMatchObject({ request_id: patch.headers['x-request-id'], entity_type: entity, entity_id: item.id });
      expect(updated!.before).toEqual({ name: item.name, version: 1, updated_at: item.updated_at });
      expect(updated!.after).toEqual({ name: 'New name', version: 2, updated_at: updatedAt });
      expect(deleted).toMatchObject({ before: { id: item.id, key: item.key, name: 'New name' }, after: null });
    });
  });

  describe(`${plural}: permissions`, () => {
    it('editors and viewers read but get 403 on every write; no key is 401', async () => {
      const team = await createTeam(t);
      const item = await create();
      const editor = await createKey(t, 'editor', [team.key]);
      const viewer = await createKey(t, 'viewer');
      for (const key of [editor.secret, viewer.secret]) {
        expect((await t.call({ method: 'GET', url: base, key })).statusCode).toBe(200);
        expect((await t.call({ method: 'GET', url: `${base}/${item.key}`, key })).statusCode).toBe(200);
        expectProblem(await t.call({ method: 'POST', url: base, key, payload: { key: uniqueKey(entity), name: 'x' } }), 403, 'forbidden');
        expectProblem(await t.call({ method: 'PATCH', url: `${base}/${item.id}`, key, payload: { name: 'x' } }), 403, 'forbidden');
        expectProblem(await t.call({ method: 'DELETE', url: `${base}/${item.id}`, key }), 403, 'forbidden');
      }
      expectProblem(await t.call({ method: 'GET', url: base, key: null }), 401, 'unauthorized');
      expect(schemas.Entity.parse((await t.call({ method: 'GET', url: `${base}/${item.id}` })).json())).toEqual(item);
    });
  });

  return { app: () => t };
}
