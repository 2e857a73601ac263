import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { openDatabase, type Db } from '../../src/db/client';
import { shutdown } from '../../src/lifecycle';
import { createLogger } from '../../src/logger';
import { ensureAdminKey } from '../../src/modules/api-keys/api-keys.bootstrap';
import { ADMIN_KEY, makeApp } from '../helpers/app';
import { TestClock } from '../helpers/clock';
import { createTeam } from '../helpers/factories';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'roadworks-shutdown-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Like makeApp, but with a test-only slow route added before the app is sealed. */
async function appWithSlowRoute(path: string, slowMs: number): Promise<{ app: FastifyInstance; db: Db; base: string }> {
  const config = loadConfig({ DATABASE_PATH: path, ADMIN_API_KEY: ADMIN_KEY });
  const clock = new TestClock();
  const db = openDatabase({ path: config.DATABASE_PATH });
  ensureAdminKey(db, clock, config.ADMIN_API_KEY);
  const app = await buildApp({ config, db, logger: createLogger('silent'), clock });
  app.get('/slow', { config: { access: 'public' } }, async () => {
    await new Promise((resolve) => setTimeout(resolve, slowMs));
    return { done: true };
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return { app, db, base: `http://127.0.0.1:${port}` };
}

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One GET over the given agent; resolves with the response or rejects with the socket error. */
function get(base: string, path: string, agent: http.Agent): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}${path}`, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** Rejects if the promise has not settled in `ms`: a hang is a failure, not a slow pass. */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe('graceful shutdown', () => {
  it('finishes in-flight requests, turns away late ones, and closes the database', async () => {
    const { app, db, base } = await appWithSlowRoute(join(dir, 'drain.sqlite'), 300);
    const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const raw = net.connect(Number(new URL(base).port), '127.0.0.1');
    try {
      // A connection that is mid-request when shutdown begins is not idle, so it stays open and
      // the request it completes afterwards must be answered by the draining hook.
      await new Promise((resolve) => raw.once('connect', resolve));
      let rawText = '';
      raw.setEncoding('utf8').on('data', (c: string) => (rawText += c));
      const rawClosed = new Promise((resolve) => raw.once('close', resolve));
      raw.write('GET /v1/teams HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n');

      // An idle kept-alive connection, opened before shutdown begins.
      const warm = await get(base, '/healthz', keepAlive);
      expect(warm.status).toBe(200);

      const slow = request(base).get('/slow');
      const inFlight = slow.then((r) => r);
      await new Promise((resolve) => setTimeout(resolve, 50));

      const stopping = shutdown(app, db, { timeoutMs: 5000 });
      raw.write(`Authorization: Bearer ${ADMIN_KEY}\r\n\r\n`);
      const late = get(base, '/healthz', keepAlive).then(
        (res) => ({ res }),
        (error: NodeJS.ErrnoException) => ({ error }),
      );

      const slowRes = await within(3000, 'the in-flight request', inFlight);
      expect(slowRes.status).toBe(200);
      expect(slowRes.body).toEqual({ done: true });

      const outcome = await within(3000, 'the late request', late);
      if ('res' in outcome) {
        expect(outcome.res.status).toBe(503);
        expect(outcome.res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(outcome.res.headers.connection).toBe('close');
        expect(JSON.parse(outcome.res.body)).toMatchObject({ code: 'shutting_down', status: 503 });
      } else {
        expect(outcome.error.code).toMatch(/^(ECONNRESET|ECONNREFUSED|EPIPE|ECONNABORTED)$/);
      }

      await within(3000, 'the drained connection to close', rawClosed);
      const [head = '', rawBody = ''] = rawText.split('\r\n\r\n');
      expect(head).toMatch(/^HTTP\/1\.1 503 /);
      expect(head).toMatch(/^connection: close$/im);
      expect(head).toMatch(/^content-type: application\/problem\+json/im);
      expect(head).toMatch(/^x-request-id: [0-9a-f-]{36}$/im);
      expect(JSON.parse(rawBody)).toMatchObject({ code: 'shutting_down', status: 503 });

      expect(await within(3000, 'shutdown', stopping)).toBe(true);
      expect(db.$client.open).toBe(false);
      await expect(within(3000, 'a new connection', get(base, '/healthz', new http.Agent()))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      keepAlive.destroy();
      raw.destroy();
      if (db.$client.open) {
        await app.close();
        db.$client.close();
      }
    }
  });

  it('while draining, keeps accepting and answers 503 instead of resetting, then closes', async () => {
    const { app, db, base } = await appWithSlowRoute(join(dir, 'drain-delay.sqlite'), 10);
    const stopping = shutdown(app, db, { drainMs: 400, timeoutMs: 2000 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const answers = await within(
      3000,
      'requests during the drain',
      Promise.all(Array.from({ length: 20 }, () => get(base, '/readyz', new http.Agent()))),
    );
    for (const res of answers) {
      expect(res.status).toBe(503);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(res.body)).toMatchObject({ code: 'shutting_down' });
    }
    expect(await within(3000, 'shutdown', stopping)).toBe(true);
    await expect(within(3000, 'a new connection', get(base, '/healthz', new http.Agent()))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('gives up after the timeout, destroying what is still open, and resolves false', async () => {
    const { app, db, base } = await appWithSlowRoute(join(dir, 'timeout.sqlite'), 2000);
    const slow = get(base, '/slow', new http.Agent()).then(
      (res) => ({ res }),
      (error: NodeJS.ErrnoException) => ({ error }),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await within(3000, 'shutdown', shutdown(app, db, { timeoutMs: 200 }))).toBe(false);
    expect(db.$client.open).toBe(false);
    const outcome = await within(3000, 'the cut-off request', slow);
    expect('error' in outcome).toBe(true);
  });
});

describe('restart', () => {
  it('keeps data on the same file across a restart', async () => {
    const file = join(dir, 'restart.sqlite');
    const first = await makeApp({}, file);
    const team = await createTeam(first);
    await first.close();

    const second = await makeApp({}, file);
    try {
      const res = await second.call({ method: 'GET', url: `/v1/teams/${team.key}` });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(team);
      const log = await second.call({ method: 'GET', url: `/v1/activity?entity_id=${team.id}` });
      expect(log.json().data.map((e: { action: string }) => e.action)).toEqual(['team.created']);
    } finally {
      await second.close();
    }
  });
});
