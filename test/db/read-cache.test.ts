import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/client';
import { EXTERNAL_CHANGE_CHECK_MS, ReadCache } from '../../src/db/read-cache';
import { makeApp, type TestApp } from '../helpers/app';
import { createKey, createStartedIteration } from '../helpers/factories';

describe('the read cache, through the API', () => {
  let dir: string;
  let t: TestApp;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'roadworks-read-cache-'));
    t = await makeApp({}, join(dir, 'roadworks.sqlite'));
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const title = async (ref: string) => ((await t.call({ url: `/v1/initiatives/${ref}` })).json() as { title: string }).title;

  it('serves a commit by another process to reads that start after it', async () => {
    const { initiative } = await createStartedIteration(t);
    expect(await title(initiative.key)).toBe(initiative.title);
    const page = async () => (await t.call({ url: '/v1/initiatives?limit=500' })).body;
    expect(await page()).toContain(initiative.title);

    const other = new Database(join(dir, 'roadworks.sqlite'));
    other.prepare('UPDATE initiatives SET title = ? WHERE id = ?').run('Changed elsewhere', initiative.id);
    other.close();
    await sleep(EXTERNAL_CHANGE_CHECK_MS + 1);

    expect(await title(initiative.key)).toBe('Changed elsewhere');
    expect(await page()).toContain('Changed elsewhere');
  });

  it('shows every write through the API at once', async () => {
    const { initiative } = await createStartedIteration(t);
    expect(await title(initiative.id)).toBe(initiative.title);
    const patched = await t.call({ method: 'PATCH', url: `/v1/initiatives/${initiative.id}`, payload: { title: 'Renamed' } });
    expect(patched.statusCode).toBe(200);
    expect(await title(initiative.id)).toBe('Renamed');
  });

  it('turns `stale` when the clock passes the check-in interval, with no write', async () => {
    const { initiative } = await createStartedIteration(t);
    const stale = async () =>
      ((await t.call({ url: `/v1/initiatives/${initiative.key}` })).json() as { current_iteration: { stale: boolean } }).current_iteration.stale;
    const inPage = async () => (await t.call({ url: `/v1/initiatives?q=${initiative.key}` })).body.includes('"stale":true');
    expect(await stale()).toBe(false);
    expect(await inPage()).toBe(false);
    t.clock.advanceDays(t.config.CHECKIN_INTERVAL_DAYS);
    expect(await stale()).toBe(false);
    t.clock.advanceDays(0.001);
    expect(await stale()).toBe(true);
    expect(await inPage()).toBe(true);
  });

  it('refuses a revoked key on its next request', async () => {
    const viewer = await createKey(t, 'viewer');
    expect((await t.call({ url: '/v1/initiatives', key: viewer.secret })).statusCode).toBe(200);
    expect((await t.call({ method: 'DELETE', url: `/v1/api-keys/${viewer.id}` })).statusCode).toBe(204);
    expect((await t.call({ url: '/v1/initiatives', key: viewer.secret })).statusCode).toBe(401);
  });
});

describe('ReadCache', () => {
  let db: Db;
  beforeAll(() => {
    db = openDatabase({ path: ':memory:' });
    db.$client.exec('CREATE TABLE scratch (n INTEGER)');
  });
  afterAll(() => db.$client.close());

  const counting = () => {
    let calls = 0;
    return { compute: () => ({ value: ++calls, bytes: 10 }), calls: () => calls };
  };

  it('computes again after any write, and after the expiry', () => {
    const cache = new ReadCache(db, 1000);
    const c = counting();
    expect(cache.read('a', 0, c.compute)).toBe(1);
    expect(cache.read('a', 0, c.compute)).toBe(1);
    db.$client.exec('INSERT INTO scratch VALUES (1)');
    expect(cache.read('a', 0, c.compute)).toBe(2);
    const e = counting();
    expect(cache.read('e', 0, () => ({ ...e.compute(), expiresAt: 5 }))).toBe(1);
    expect(cache.read('e', 4, () => ({ ...e.compute(), expiresAt: 5 }))).toBe(1);
    expect(cache.read('e', 5, () => ({ ...e.compute(), expiresAt: 5 }))).toBe(2);
  });

  it('neither serves nor keeps a value read inside a transaction, whose writes may roll back', () => {
    const cache = new ReadCache(db, 1000);
    const c = counting();
    expect(cache.read('a', 0, c.compute)).toBe(1);
    const begin = db.$client.prepare('BEGIN');
    const rollback = db.$client.prepare('ROLLBACK');
    begin.run();
    db.$client.exec('INSERT INTO scratch VALUES (2)');
    expect(cache.read('a', 0, c.compute)).toBe(2);
    rollback.run();
    expect(cache.read('a', 0, c.compute)).toBe(3);
    expect(cache.read('a', 0, c.compute)).toBe(3);
  });

  it('keeps within its size, dropping the least recently used entry first, and is off at 0', () => {
    const cache = new ReadCache(db, 25);
    const value = (v: string) => () => ({ value: v, bytes: 9 });
    cache.read('a', 0, value('a'));
    cache.read('b', 0, value('b'));
    cache.read('a', 0, value('a'));
    cache.read('c', 0, value('c'));
    const c = counting();
    expect(cache.read('a', 0, c.compute)).toBe('a');
    expect(cache.read('b', 0, c.compute)).toBe(1);
    const off = new ReadCache(db, 0);
    const o = counting();
    off.read('a', 0, o.compute);
    expect(off.read('a', 0, o.compute)).toBe(2);
  });
});
