import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/app';
import { loadConfig } from '../../../src/config';
import { openDatabase, type Db } from '../../../src/db/client';
import { createLogger } from '../../../src/logger';
import { ensureAdminKey } from '../../../src/modules/api-keys/api-keys.bootstrap';
import { MeasurementExport, ProgressExport } from '../../../src/modules/exports/exports.schemas';
import { ADMIN_KEY, type TestApp } from '../../helpers/app';
import { TestClock } from '../../helpers/clock';
import { createKey } from '../../helpers/factories';
import { expectProblem } from '../../helpers/problems';
import { buildFixture } from './exports.fixture';

/**
 * access_token: a viewer key in the query string, on the exports only, alone, and never logged.
 * The app logs to memory here, at info level, as the server does.
 */
let app: FastifyInstance;
let db: Db;
let lines: string[] = [];
let viewer = '';
let editor = '';

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter((l) => l.trim() !== ''));
      done();
    },
  });
  const config = loadConfig({ DATABASE_PATH: ':memory:', ADMIN_API_KEY: ADMIN_KEY });
  const clock = new TestClock();
  db = openDatabase({ path: ':memory:' });
  ensureAdminKey(db, clock, ADMIN_KEY);
  app = await buildApp({ config, db, logger: createLogger('info', sink), clock, verifyResponses: true });
  await app.ready();
  const t = {
    app,
    db,
    clock,
    config,
    adminKey: ADMIN_KEY,
    call: ({ key = ADMIN_KEY, headers, ...opts }) => app.inject({ ...opts, headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers } }),
    close: async () => undefined,
  } as TestApp;
  await buildFixture(t);
  viewer = (await createKey(t, 'viewer')).secret;
  editor = (await createKey(t, 'editor', ['revops'])).secret;
});
afterAll(async () => {
  await app.close();
  db.$client.close();
});

const get = (url: string, authorization?: string) => app.inject({ method: 'GET', url, headers: authorization ? { authorization } : {} });

describe('access_token on the exports', () => {
  it('takes a viewer key, in every form, and answers what the header would', async () => {
    const byHeader = await get('/v1/exports/measurements', `Bearer ${viewer}`);
    const byToken = await get(`/v1/exports/measurements?access_token=${viewer}`);
    expect(byToken.statusCode, byToken.body).toBe(200);
    expect(MeasurementExport.parse(JSON.parse(byToken.body))).toHaveLength(6);
    expect(byToken.body).toBe(byHeader.body);
    // The token is no filter: the ETag is the same as with the header.
    expect(byToken.headers.etag).toBe(byHeader.headers.etag);
    const csv = await get(`/v1/exports/measurements.csv?access_token=${viewer}&team=revops`);
    expect(csv.statusCode, csv.body).toBe(200);
    expect(csv.body.split('\r\n').length).toBe(1 + 5 + 1);
    const progress = await get(`/v1/exports/progress?format=csv&access_token=${encodeURIComponent(viewer)}`);
    expect(progress.statusCode, progress.body).toBe(200);
    expect(ProgressExport.parse((await get(`/v1/exports/progress?access_token=${viewer}`)).json())).toHaveLength(5);
  });

  it('refuses a key that can write (401), even a valid one', async () => {
    for (const key of [editor, ADMIN_KEY]) {
      const res = await get(`/v1/exports/measurements?access_token=${key}`);
      const problem = expectProblem(res, 401, 'unauthorized');
      expect(problem.detail).toMatch(/viewer key/);
      expect(res.body).not.toContain(key);
      expectProblem(await get(`/v1/exports/progress.csv?access_token=${key}`), 401, 'unauthorized');
    }
  });

  it('refuses it on any other route, a second credential, and an unknown key (401)', async () => {
    expectProblem(await get(`/v1/teams?access_token=${viewer}`), 401, 'unauthorized');
    expectProblem(await get(`/v1/measurements?access_token=${viewer}`), 401, 'unauthorized');
    expectProblem(await get(`/v1/exports/measurements?access_token=${viewer}`, `Bearer ${viewer}`), 401, 'unauthorized');
    expectProblem(await get(`/v1/exports/measurements?access_token=${viewer}&access_token=${viewer}`), 401, 'unauthorized');
    expectProblem(await get('/v1/exports/measurements?access_token=rw_no_such_key_0000000000000000000000000'), 401, 'unauthorized');
    expectProblem(await get('/v1/exports/measurements'), 401, 'unauthorized');
  });

  it('never writes the token into the logs, whatever the answer', async () => {
    lines = [];
    const urls = [
      `/v1/exports/measurements?access_token=${viewer}`,
      `/v1/exports/measurements.csv?from=2026-01-01T00:00:00Z&access_token=${viewer}`,
      `/v1/exports/progress?format=csv&access_token=${viewer}`,
      `/v1/exports/progress?access_token=${editor}`,
      `/v1/exports/measurements?team=nope&access_token=${viewer}`,
      `/v1/teams?access_token=${viewer}`,
    ];
    for (const url of urls) await get(url);
    const text = lines.join('\n');
    for (const secret of [viewer, editor]) expect(text).not.toContain(secret);
    const completed = lines.map((l) => JSON.parse(l) as { msg: string; req?: { url: string }; res?: { status_code: number } }).filter((e) => e.msg === 'request completed');
    expect(completed.map((e) => e.res?.status_code)).toEqual([200, 200, 200, 401, 404, 401]);
    for (const e of completed) expect(e.req?.url).toContain('access_token=[redacted]');
    // The rest of the URL stays, for whoever reads the logs (as routed: the .csv suffix is taken off).
    expect(completed[1]?.req?.url).toBe('/v1/exports/measurements?from=2026-01-01T00:00:00Z&access_token=[redacted]');
  });
});
