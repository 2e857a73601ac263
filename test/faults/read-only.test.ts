import { chmodSync, chownSync, copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client';
import { makeApp, type TestApp } from '../helpers/app';
import { createTeam } from '../helpers/factories';
import {
  appOnFile,
  cleanUp,
  expectIdempotentRetrySucceeds,
  expectNotReady,
  expectReady,
  expectStorageUnavailable,
  postBatch,
  postCheckIn,
  rowCount,
  tempDir,
} from './fixture';

/** The `nobody` user: a service account that does not own the file. */
const SERVICE_UID = 65534;
const isRoot = process.getuid?.() === 0;

/**
 * Runs `open` as a service user would, for whom a file of mode 0444 is read-only. Root may write
 * any file whatever its mode, so as root the effective uid is switched for the opening (the
 * process's own, in this test file's worker) and back: SQLite opens the file with the rights of
 * that moment, falls back to reading only, and the connection stays so.
 */
async function asServiceUser<T>(open: () => Promise<T>): Promise<T> {
  const seteuid = process.seteuid?.bind(process);
  if (!isRoot || seteuid === undefined) return open();
  seteuid(SERVICE_UID);
  try {
    return await open();
  } finally {
    seteuid(0);
  }
}

/** The database file and its -wal and -shm, when present. */
const databaseFiles = (dir: string) => readdirSync(dir).filter((name) => name.startsWith('roadworks.sqlite')).map((name) => join(dir, name));

/**
 * A database file the server may not write: it still starts (no migration is pending), serves
 * reads, answers writes 503 and reports it on /readyz. SQLite cannot make a connection writable
 * again, so recovery is a restart once the file is writable.
 */
describe('a read-only database file', () => {
  let dir: string;
  let path: string;
  let t: TestApp;
  let iterationId: string;
  let initiative: string;
  let metric: string;
  let teams: number;
  const idempotent = () => postCheckIn(t, iterationId, { 'idempotency-key': 'read-only-retry' }, 'sent once, retried');

  beforeAll(async () => {
    dir = tempDir('read-only');
    path = join(dir, 'roadworks.sqlite');
    const writable = await appOnFile(path);
    iterationId = writable.iteration.id;
    initiative = writable.initiative.key;
    metric = writable.metric.key;
    teams = rowCount(writable.t, 'teams');
    await writable.t.close();
    // The service user owns its data folder (so SQLite may create the -wal and -shm files there),
    // but the database file is not writable for it.
    if (isRoot) chownSync(dir, SERVICE_UID, SERVICE_UID);
    for (const file of databaseFiles(dir)) chmodSync(file, 0o444);
    t = await asServiceUser(() => makeApp({}, path));
  });
  afterAll(async () => {
    await cleanUp(dir, t);
  });

  it('starts and serves reads', async () => {
    const res = await t.call({ method: 'GET', url: '/v1/teams' });
    expect(res.statusCode).toBe(200);
    expect((res.json() as { data: unknown[] }).data).toHaveLength(teams);
    expect((await t.call({ method: 'GET', url: `/v1/initiatives/${initiative}` })).statusCode).toBe(200);
    expect((await t.call({ method: 'GET', url: `/v1/iterations/${iterationId}/check-ins` })).statusCode).toBe(200);
  });

  it('answers writes 503 read-only with Retry-After, on any write route, and saves nothing', async () => {
    const checkIns = rowCount(t, 'check_ins');
    const measurements = rowCount(t, 'measurements');
    expectStorageUnavailable(await postCheckIn(t, iterationId), /database is read-only/);
    expectStorageUnavailable(await postBatch(t, metric, initiative, 20), /database is read-only/);
    expectStorageUnavailable(await t.call({ method: 'POST', url: '/v1/teams', payload: { key: 'new-team', name: 'New team' } }), /read-only/);
    expectStorageUnavailable(
      await t.call({ method: 'PATCH', url: `/v1/initiatives/${initiative}`, payload: { title: 'Renamed' }, headers: { 'if-match': '*' } }),
      /read-only/,
    );
    expectStorageUnavailable(await idempotent(), /read-only/);
    expect(rowCount(t, 'check_ins')).toBe(checkIns);
    expect(rowCount(t, 'measurements')).toBe(measurements);
  });

  it('reports it on /readyz', async () => {
    await expectNotReady(t, /the database is read-only/);
    await expectNotReady(t, /the database is read-only/);
  });

  it('refuses to start on a read-only file that a migration would change, saying why', async () => {
    const stale = join(dir, 'stale.sqlite');
    copyFileSync(path, stale);
    const raw = new Database(stale);
    raw.prepare('DELETE FROM __drizzle_migrations WHERE created_at = (SELECT max(created_at) FROM __drizzle_migrations)').run();
    raw.close();
    chmodSync(stale, 0o444);
    await expect(asServiceUser(async () => openDatabase({ path: stale }))).rejects.toThrow(
      /read-only, so it cannot be migrated \(1 migration\(s\) pending\); make it writable/,
    );
  });

  it('starts on a read-only file that never stored its policy; a read that needs the policy answers 503', async () => {
    const bare = join(dir, 'bare.sqlite');
    copyFileSync(path, bare);
    const raw = new Database(bare);
    raw.exec('DELETE FROM policy');
    raw.close();
    chmodSync(bare, 0o444);
    const other = await asServiceUser(() => makeApp({}, bare));
    try {
      expect((await other.call({ method: 'GET', url: '/v1/teams' })).statusCode).toBe(200);
      expectStorageUnavailable(await other.call({ method: 'GET', url: '/v1/policy' }), /database is read-only/);
    } finally {
      await other.close();
    }
  });

  it('once the file is writable, a restart takes writes again; the idempotent retry runs afresh', async () => {
    await t.close();
    // What an operator does: give the file (and the -wal and -shm SQLite made) back to the service user.
    for (const file of databaseFiles(dir)) {
      if (isRoot) chownSync(file, SERVICE_UID, SERVICE_UID);
      chmodSync(file, 0o644);
    }
    t = await asServiceUser(() => makeApp({}, path));
    await expectReady(t);
    const before = rowCount(t, 'check_ins');
    expect((await postCheckIn(t, iterationId)).statusCode).toBe(201);
    expect(rowCount(t, 'check_ins')).toBe(before + 1);
    await createTeam(t);
    await expectIdempotentRetrySucceeds(idempotent);
  });
});

/**
 * A connection that turns read-only while the server runs (`PRAGMA query_only`, as an operator's
 * maintenance switch would): SQLite then refuses even BEGIN IMMEDIATE. Recovery is live.
 */
describe('a connection that becomes read-only while serving', () => {
  let dir: string;
  let t: TestApp;
  let iterationId: string;
  const idempotent = () => postCheckIn(t, iterationId, { 'idempotency-key': 'query-only-retry' }, 'sent once, retried');

  beforeAll(async () => {
    dir = tempDir('query-only');
    const app = await appOnFile(join(dir, 'roadworks.sqlite'));
    t = app.t;
    iterationId = app.iteration.id;
  });
  afterAll(async () => {
    await cleanUp(dir, t);
  });

  it('answers writes 503 and reports it on /readyz, then recovers without a restart', async () => {
    await expectReady(t);
    t.db.$client.pragma('query_only = ON');
    expectStorageUnavailable(await postCheckIn(t, iterationId), /database is read-only/);
    expectStorageUnavailable(await idempotent(), /read-only/);
    expect((await t.call({ method: 'GET', url: `/v1/iterations/${iterationId}/check-ins` })).statusCode).toBe(200);
    await expectNotReady(t, /the database is read-only/);
    t.db.$client.pragma('query_only = OFF');
    await expectReady(t);
    expect((await postCheckIn(t, iterationId)).statusCode).toBe(201);
    await expectIdempotentRetrySucceeds(idempotent);
  });
});
