import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitGroup, CommitGroup } from '../../src/db/commit-group';
import { ADMIN_KEY, makeApp, type TestApp } from '../helpers/app';
import { createStartedIteration } from '../helpers/factories';

describe('CommitGroup', () => {
  const open = () => {
    const sqlite = new Database(':memory:');
    sqlite.exec('CREATE TABLE parent (id TEXT PRIMARY KEY); CREATE TABLE child (parent_id TEXT REFERENCES parent(id))');
    sqlite.pragma('foreign_keys = ON');
    return sqlite;
  };

  it('commits the writes of one turn together, once that turn is over', async () => {
    const sqlite = open();
    const group = new CommitGroup(sqlite);
    group.join();
    sqlite.exec("INSERT INTO parent VALUES ('a')");
    group.join();
    sqlite.exec("INSERT INTO parent VALUES ('b')");
    const committed = group.committed();
    expect(sqlite.inTransaction).toBe(true);
    await committed;
    expect(sqlite.inTransaction).toBe(false);
    expect(group.committed()).toBeUndefined();
    expect(sqlite.prepare('SELECT count(*) FROM parent').pluck().get()).toBe(2);
    sqlite.close();
  });

  it('rejects its waiters and keeps nothing when the commit fails', async () => {
    const sqlite = open();
    const group = new CommitGroup(sqlite);
    group.join();
    sqlite.exec("INSERT INTO parent VALUES ('kept only if the commit succeeds')");
    // A deferred foreign key is checked at COMMIT: a real commit failure.
    sqlite.pragma('defer_foreign_keys = ON');
    sqlite.exec("INSERT INTO child VALUES ('missing')");
    await expect(group.committed()).rejects.toThrow(/FOREIGN KEY/);
    expect(sqlite.inTransaction).toBe(false);
    expect(sqlite.prepare('SELECT count(*) FROM parent').pluck().get()).toBe(0);
    sqlite.close();
  });
});

describe('group commit through the API', () => {
  let dir: string;
  let t: TestApp;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'roadworks-commit-group-'));
    t = await makeApp({}, join(dir, 'roadworks.sqlite'));
    await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('saves every acknowledged write of concurrent requests, and a refused one writes nothing', async () => {
    const { iteration } = await createStartedIteration(t);
    const bodies = Array.from({ length: 40 }, (_, i) => (i % 4 === 3 ? { health: 'sideways' } : { health: 'on_track', note: `n${i}` }));
    const responses = await Promise.all(
      bodies.map((body) =>
        request(t.app.server).post(`/v1/iterations/${iteration.id}/check-ins`).set('authorization', `Bearer ${ADMIN_KEY}`).send(body),
      ),
    );
    expect(responses.filter((r) => r.status === 201)).toHaveLength(30);
    expect(responses.filter((r) => r.status === 400)).toHaveLength(10);
    // Another connection sees exactly what was acknowledged, so it is committed, not only visible.
    const other = new Database(join(dir, 'roadworks.sqlite'), { readonly: true });
    const saved = other.prepare('SELECT id FROM check_ins WHERE iteration_id = ?').pluck().all(iteration.id);
    other.close();
    expect(new Set(saved)).toEqual(new Set(responses.filter((r) => r.status === 201).map((r) => (r.body as { id: string }).id)));
  });

  it('answers 503 for the writes of a group whose commit failed, and saves none of them', async () => {
    const { iteration } = await createStartedIteration(t);
    const sqlite = t.db.$client;
    // When the request arrives, this turn's group gets a row that fails the deferred foreign key
    // check at COMMIT; the request's own write joins that group before the turn ends.
    const poison = () => {
      commitGroup(t.db).join();
      sqlite.pragma('defer_foreign_keys = ON');
      sqlite
        .prepare("INSERT INTO check_ins (id, iteration_id, health, note, author_key_id, author_name, created_at) VALUES ('chk_x', 'itr_missing', 'on_track', '', 'k', 'k', '2026-01-01T00:00:00.000Z')")
        .run();
    };
    t.app.server.prependOnceListener('request', poison);
    const res = await request(t.app.server)
      .post(`/v1/iterations/${iteration.id}/check-ins`)
      .set('authorization', `Bearer ${ADMIN_KEY}`)
      .send({ health: 'on_track' });
    expect(res.status, JSON.stringify(res.body)).toBe(503);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect((res.body as { code: string }).code).toBe('storage_unavailable');
    expect(res.headers['retry-after']).toBe('5');
    expect(res.headers.location).toBeUndefined();
    expect(sqlite.prepare('SELECT count(*) FROM check_ins WHERE iteration_id = ?').pluck().get(iteration.id)).toBe(0);
    // The next write has a group of its own and succeeds.
    expect((await t.call({ method: 'POST', url: `/v1/iterations/${iteration.id}/check-ins`, payload: { health: 'on_track' } })).statusCode).toBe(201);
  });
});
