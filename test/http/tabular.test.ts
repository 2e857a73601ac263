import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { openDatabase } from '../../src/db/client';
import { createLogger } from '../../src/logger';
import { ensureAdminKey } from '../../src/modules/api-keys/api-keys.bootstrap';
import { CSV_CONTENT_TYPE, csvField, TabularQueryFields, toCsv } from '../../src/http/tabular';
import { RenderedRead, sendRendered } from '../../src/http/rendered-read';
import { errorResponses, NoContent } from '../../src/http/schemas';
import { ADMIN_KEY } from '../helpers/app';
import { TestClock } from '../helpers/clock';

/** Content negotiation for reads with a CSV form, on a small route of its own. */

const Row = z.object({ name: z.string(), value: z.number().nullable() });
const Rows = z.array(Row);
const ROWS = [
  { name: 'plain', value: 1.5 },
  { name: 'a "quoted", comma', value: null },
  { name: '=HYPERLINK("x")', value: -2 },
];

const table: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/v1/table',
    {
      config: { access: 'viewer', csv: true, queryToken: true },
      schema: { operationId: 'table', description: 'test', querystring: z.object(TabularQueryFields).strict(), response: { 200: Rows, 304: NoContent, ...errorResponses() } },
    },
    async (request, reply) => sendRendered(request, reply, RenderedRead.of(ROWS, (rows) => toCsv(['name', 'value'], rows))),
  );
};

let app: Awaited<ReturnType<typeof buildApp>>;
beforeAll(async () => {
  const config = loadConfig({ DATABASE_PATH: ':memory:', ADMIN_API_KEY: ADMIN_KEY });
  const db = openDatabase({ path: ':memory:' });
  ensureAdminKey(db, new TestClock(), ADMIN_KEY);
  app = await buildApp({ config, db, logger: createLogger('silent'), clock: new TestClock(), verifyResponses: true });
  await app.register(table);
  await app.ready();
});
afterAll(() => app.close());

const auth = { authorization: `Bearer ${ADMIN_KEY}` };
const CSV = 'name,value\r\nplain,1.5\r\n"a ""quoted"", comma",\r\n"\'=HYPERLINK(""x"")",-2\r\n';

describe('reads with a CSV form', () => {
  it('answer JSON by default, through the route schema', async () => {
    const res = await app.inject({ url: '/v1/table', headers: auth });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual(ROWS);
  });

  it.each([
    ['Accept: text/csv', { url: '/v1/table', headers: { ...auth, accept: 'text/csv' } }],
    ['?format=csv', { url: '/v1/table?format=csv', headers: auth }],
    ['a .csv suffix', { url: '/v1/table.csv', headers: auth }],
    ['csv preferred by quality', { url: '/v1/table', headers: { ...auth, accept: 'application/json;q=0.5, text/csv' } }],
  ])('answer CSV for %s', async (_name, request) => {
    const res = await app.inject(request);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe(CSV_CONTENT_TYPE);
    expect(res.body).toBe(CSV);
  });

  it('let ?format=json win over Accept, and JSON win a tie', async () => {
    expect((await app.inject({ url: '/v1/table?format=json', headers: { ...auth, accept: 'text/csv' } })).json()).toEqual(ROWS);
    expect((await app.inject({ url: '/v1/table', headers: { ...auth, accept: 'text/csv, application/json' } })).json()).toEqual(ROWS);
  });

  it('tag each form apart and answer 304 to a matching If-None-Match', async () => {
    const json = await app.inject({ url: '/v1/table', headers: auth });
    const csv = await app.inject({ url: '/v1/table.csv', headers: auth });
    expect(json.headers.etag).toBeDefined();
    expect(csv.headers.etag).not.toBe(json.headers.etag);
    const again = await app.inject({ url: '/v1/table.csv', headers: { ...auth, 'if-none-match': String(csv.headers.etag) } });
    expect(again.statusCode).toBe(304);
  });

  it('refuse a .csv suffix where there is no CSV form (406), and an unknown format (400)', async () => {
    const res = await app.inject({ url: '/v1/teams.csv', headers: auth });
    expect(res.statusCode).toBe(406);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ code: 'not_acceptable' });
    expect((await app.inject({ url: '/v1/table?format=xml', headers: auth })).statusCode).toBe(400);
  });
});

describe('csvField', () => {
  it.each([
    [null, ''],
    [0, '0'],
    [-1.25, '-1.25'],
    [true, 'true'],
    ['line\nbreak', '"line\nbreak"'],
    ['+1', "'+1"],
    ['@sum', "'@sum"],
    ['-x', "'-x"],
  ])('%j -> %j', (value, expected) => expect(csvField(value)).toBe(expected));
});
