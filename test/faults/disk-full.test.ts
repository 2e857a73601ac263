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

/**
 * A full disk, as SQLite sees one: `PRAGMA max_page_count` caps the file at its current size on the
 * server's own connection, so the next write that needs a new page fails with SQLITE_FULL, as it
 * would on a disk with no space left.
 */
describe('a full database', () => {
  let dir: string;
  let t: TestApp;
  let iterationId: string;
  let metric: string;
  let initiative: string;
  const pragma = (sql: string) => t.db.$client.pragma(sql, { simple: true }) as number;
  const cap = () => pragma(`max_page_count = ${pragma('page_count')}`);
  const idempotent = (key: string) => () => postCheckIn(t, iterationId, { 'idempotency-key': key }, 'sent once, retried');

  beforeAll(async () => {
    dir = tempDir('full');
    const app = await appOnFile(join(dir, 'roadworks.sqlite'));
    t = app.t;
    iterationId = app.iteration.id;
    metric = app.metric.key;
    initiative = app.initiative.key;
  });
  afterAll(async () => {
    await cleanUp(dir, t);
  });

  it('answers a write that needs room 503 storage_unavailable with Retry-After, and saves nothing of it', async () => {
    expect(cap()).toBe(pragma('page_count'));
    // Writes fit into the last pages' free space until one needs a new page.
    let res = await postCheckIn(t, iterationId, {}, 'x'.repeat(2000));
    for (let i = 0; i < 200 && res.statusCode === 201; i++) res = await postCheckIn(t, iterationId, {}, 'x'.repeat(2000));
    const before = rowCount(t, 'check_ins');
    expectStorageUnavailable(res, /database is full/);
    expectStorageUnavailable(await postCheckIn(t, iterationId, {}, 'y'.repeat(2000)), /database is full/);
    expect(rowCount(t, 'check_ins')).toBe(before);
  });

  it('answers a measurement batch 503, and records none of its rows', async () => {
    const before = rowCount(t, 'measurements');
    expectStorageUnavailable(await postBatch(t, metric, initiative, 300), /database is full/);
    expect(rowCount(t, 'measurements')).toBe(before);
  });

  it('also fails the other writes of the group the full disk rolled back, naming the cause', async () => {
    const before = rowCount(t, 'check_ins');
    // Sent together, both land in one commit group. SQLite rolls the whole transaction back when
    // the large write finds no room, so the small one, which fits, may not be acknowledged either.
    const [small, large] = await Promise.all([postCheckIn(t, iterationId, {}, 'z'), postCheckIn(t, iterationId, {}, 'y'.repeat(2000))]);
    expectStorageUnavailable(large, /database is full/);
    expectStorageUnavailable(small, /database is full/);
    expect(rowCount(t, 'check_ins')).toBe(before);
    // Alone, the small write fits: it was refused for its group, not for its own size.
    expect((await postCheckIn(t, iterationId, {}, 'z')).statusCode).toBe(201);
  });

  it('keeps answering reads', async () => {
    expect((await t.call({ method: 'GET', url: `/v1/iterations/${iterationId}/check-ins` })).statusCode).toBe(200);
    expect((await t.call({ method: 'GET', url: `/v1/initiatives/${initiative}` })).statusCode).toBe(200);
  });

  it('reports it on /readyz, and stays not ready while it lasts', async () => {
    await expectNotReady(t, /the database is full/);
    await expectNotReady(t, /the database is full/);
  });

  it('stores no response for a write it refused under an Idempotency-Key', async () => {
    const stored = rowCount(t, 'idempotency_keys');
    expectStorageUnavailable(await idempotent('full-retry')(), /database is full/);
    expect(rowCount(t, 'idempotency_keys')).toBe(stored);
  });

  it('once there is room again: ready, writes saved, the idempotent retry runs afresh, the file intact', async () => {
    pragma('max_page_count = 1073741823');
    await expectReady(t);
    const before = rowCount(t, 'check_ins');
    expect((await postCheckIn(t, iterationId)).statusCode).toBe(201);
    expect(rowCount(t, 'check_ins')).toBe(before + 1);
    const measurements = rowCount(t, 'measurements');
    expect((await postBatch(t, metric, initiative, 300)).statusCode).toBe(201);
    expect(rowCount(t, 'measurements')).toBe(measurements + 300);
    await expectIdempotentRetrySucceeds(idempotent('full-retry'));
    expect(t.db.$client.pragma('integrity_check', { simple: true })).toBe('ok');
  });
});
