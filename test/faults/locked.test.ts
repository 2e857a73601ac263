import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app';
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

const BUSY_TIMEOUT_MS = 600;

/** Another process (better-sqlite3 in a child node) that holds the write lock until told to let go. */
async function holdWriteLock(path: string): Promise<{ release: () => Promise<void>; child: ChildProcess }> {
  const script = `
    const db = new (require('better-sqlite3'))(process.argv[1]);
    db.exec('BEGIN EXCLUSIVE');
    process.stdout.write('locked\\n');
    process.stdin.once('data', () => { db.exec('ROLLBACK'); db.close(); process.exit(0); });
  `;
  const child = spawn(process.execPath, ['-e', script, path], { cwd: process.cwd(), stdio: ['pipe', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  expect(String(line).trim()).toBe('locked');
  return {
    child,
    release: async () => {
      const exited = once(child, 'exit');
      child.stdin.write('release\n');
      await exited;
    },
  };
}

describe('a database locked by another process', () => {
  let dir: string;
  let path: string;
  let t: TestApp;
  let iterationId: string;
  let metric: string;
  let initiative: string;
  let lock: Awaited<ReturnType<typeof holdWriteLock>> | undefined;
  const idempotent = () => postCheckIn(t, iterationId, { 'idempotency-key': 'locked-retry' }, 'sent once, retried');

  beforeAll(async () => {
    dir = tempDir('locked');
    path = join(dir, 'roadworks.sqlite');
    const app = await appOnFile(path, { DB_BUSY_TIMEOUT_MS: String(BUSY_TIMEOUT_MS) });
    t = app.t;
    iterationId = app.iteration.id;
    metric = app.metric.key;
    initiative = app.initiative.key;
  });
  afterAll(async () => {
    if (lock?.child.exitCode === null) await lock.release();
    await cleanUp(dir, t);
  });

  it('answers a write 503 with Retry-After once DB_BUSY_TIMEOUT_MS has passed, never hanging', async () => {
    lock = await holdWriteLock(path);
    const before = rowCount(t, 'check_ins');
    const started = performance.now();
    const res = await postCheckIn(t, iterationId);
    const elapsed = performance.now() - started;
    expectStorageUnavailable(res, /locked by another process/);
    // It waited for the lock (SQLite's busy handler sleeps to the timeout), then gave up: a
    // generous upper bound, only to prove it answers.
    expect(elapsed).toBeGreaterThanOrEqual(BUSY_TIMEOUT_MS * 0.9);
    expect(elapsed).toBeLessThan(BUSY_TIMEOUT_MS + 10_000);
    expect(rowCount(t, 'check_ins')).toBe(before);
  });

  it('does not make every write wait in turn: after one waited in vain, the next ones fail at once', async () => {
    const started = performance.now();
    const responses = await Promise.all([
      ...Array.from({ length: 5 }, () => postCheckIn(t, iterationId)),
      postBatch(t, metric, initiative, 50),
    ]);
    const elapsed = performance.now() - started;
    for (const res of responses) expectStorageUnavailable(res, /locked by another process/);
    // Waiting in turn would take 6 x DB_BUSY_TIMEOUT_MS at least (SQLite sleeps that long each time).
    expect(elapsed).toBeLessThan(BUSY_TIMEOUT_MS * 3);
  });

  it('keeps answering reads (WAL: readers never wait for the writer)', async () => {
    const res = await t.call({ method: 'GET', url: `/v1/iterations/${iterationId}/check-ins` });
    expect(res.statusCode).toBe(200);
    expect((await t.call({ method: 'GET', url: `/v1/initiatives/${initiative}` })).statusCode).toBe(200);
  });

  it('reports it on /readyz without waiting for the lock', async () => {
    await expectNotReady(t, /the database is locked by another process/);
  });

  it('stores no response for a write it refused under an Idempotency-Key', async () => {
    expectStorageUnavailable(await idempotent(), /locked by another process/);
  });

  it('once the other process lets go: ready, writes saved, the idempotent retry runs afresh', async () => {
    await lock?.release();
    await expectReady(t);
    const before = rowCount(t, 'check_ins');
    expect((await postCheckIn(t, iterationId)).statusCode).toBe(201);
    expect(rowCount(t, 'check_ins')).toBe(before + 1);
    expect((await postBatch(t, metric, initiative, 50)).statusCode).toBe(201);
    await expectIdempotentRetrySucceeds(idempotent);
  });

  it('recovers without /readyz too: the next write after the lock is gone takes it', async () => {
    lock = await holdWriteLock(path);
    expectStorageUnavailable(await postCheckIn(t, iterationId), /locked by another process/);
    await lock.release();
    expect((await postCheckIn(t, iterationId)).statusCode).toBe(201);
    await expectReady(t);
  });
});
