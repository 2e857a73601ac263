import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, makeApp, type TestApp } from '../../helpers/app';
import { createInitiative, createIteration } from '../../helpers/factories';

let t: TestApp;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'roadworks-concurrency-'));
  t = await makeApp({}, join(dir, 'db.sqlite'));
  await t.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('single active iteration under concurrent requests', () => {
  // Both requests are in flight together over real sockets; SQLite serializes their transactions,
  // and the service check plus the partial unique index decide which one loses.
  it('of two starts sent together over real sockets, exactly one wins', async () => {
    const server = t.app.server;
    for (let round = 0; round < 5; round++) {
      const ini = await createInitiative(t);
      const a = await createIteration(t, ini.key);
      const b = await createIteration(t, ini.key, { carry_over: false });
      const results = await Promise.all(
        [a, b].map((it) => request(server).post(`/v1/iterations/${it.id}/start`).set('authorization', `Bearer ${ADMIN_KEY}`)),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 409]);
      const loser = results.find((r) => r.status === 409);
      expect(loser?.headers['content-type']).toMatch(/problem\+json/);
      const active = t.db.$client
        .prepare("SELECT count(*) AS n FROM iterations WHERE initiative_id = ? AND status = 'under_construction'")
        .get(ini.id);
      expect(active).toEqual({ n: 1 });
    }
  });
});
