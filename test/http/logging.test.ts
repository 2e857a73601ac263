import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { openDatabase, type Db } from '../../src/db/client';
import { createLogger, redactUrl } from '../../src/logger';
import { ensureAdminKey } from '../../src/modules/api-keys/api-keys.bootstrap';
import { ADMIN_KEY } from '../helpers/app';
import { TestClock } from '../helpers/clock';

const UNKNOWN_KEY = 'rw_unknown_key_that_must_not_be_logged';
const TOKEN = 'secret123';

let app: FastifyInstance;
let db: Db;
let lines: string[] = [];

beforeAll(async () => {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter((l) => l.trim() !== ''));
      done();
    },
  });
  const config = loadConfig({ DATABASE_PATH: ':memory:', ADMIN_API_KEY: ADMIN_KEY });
  const clock = new TestClock();
  db = openDatabase({ path: config.DATABASE_PATH });
  ensureAdminKey(db, clock, config.ADMIN_API_KEY);
  app = await buildApp({ config, db, logger: createLogger('info', stream), clock });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  db.$client.close();
});

const logged = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

describe('request logs', () => {
  it('are JSON lines bound to the request id', async () => {
    lines = [];
    const res = await app.inject({ method: 'GET', url: '/v1/teams?limit=2', headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(res.statusCode).toBe(200);
    const id = res.headers['x-request-id'];
    const entries = logged().filter((e) => e.reqId === id);
    // One line per request, written when it completes.
    expect(entries.map((e) => e.msg)).toEqual(['request completed']);
    expect(entries[0]).toMatchObject({ level: 30, req: { method: 'GET', url: '/v1/teams?limit=2' }, res: { status_code: 200 } });
    expect(entries[0]?.response_time_ms).toEqual(expect.any(Number));
  });

  it('never contain a bearer secret or an access_token, however it is spelled', async () => {
    lines = [];
    const requests = [
      { url: `/v1/teams?access_token=${TOKEN}`, key: ADMIN_KEY },
      { url: `/v1/teams?limit=1&access_token=${TOKEN}&x=y`, key: UNKNOWN_KEY },
      { url: `/v1/teams?ACCESS_TOKEN=${TOKEN}`, key: ADMIN_KEY },
      // The query parser decodes names, so this is the same parameter as access_token.
      { url: `/v1/teams?access%5Ftoken=${TOKEN}`, key: ADMIN_KEY },
      { url: `/v1/teams?access_token=${TOKEN}&access_token=${TOKEN}`, key: ADMIN_KEY },
      { url: `/v1/no-such-route?access_token=${TOKEN}`, key: UNKNOWN_KEY },
    ];
    const ids: string[] = [];
    for (const r of requests) {
      const res = await app.inject({ method: 'GET', url: r.url, headers: { authorization: `Bearer ${r.key}` } });
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
      expect(res.body).not.toContain(TOKEN);
      ids.push(String(res.headers['x-request-id']));
    }

    const text = lines.join('\n');
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(ADMIN_KEY);
    expect(text).not.toContain(UNKNOWN_KEY);
    expect(text).not.toMatch(/Bearer/i);

    const completed = logged().filter((e) => e.msg === 'request completed');
    expect(completed.map((e) => e.reqId)).toEqual(ids);
    for (const e of completed) expect((e.req as { url: string }).url).toContain('=[redacted]');
  });

  it('redactUrl keeps everything but the token', () => {
    expect(redactUrl('/v1/x?a=1&access_token=s3cr3t&b=2')).toBe('/v1/x?a=1&access_token=[redacted]&b=2');
    expect(redactUrl('/v1/x?access%5ftoken=s3cr3t')).toBe('/v1/x?access%5ftoken=[redacted]');
    expect(redactUrl('/v1/x?my_access_token=keep')).toBe('/v1/x?my_access_token=keep');
    expect(redactUrl('/v1/x?bad=%E0%A4%A')).toBe('/v1/x?bad=%E0%A4%A');
    expect(redactUrl('/v1/x')).toBe('/v1/x');
  });
});
