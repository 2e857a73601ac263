import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, type TestApp } from '../helpers/app';
import { createKey, createMetric, createStartedIteration } from '../helpers/factories';
import { errorPaths, expectProblem } from '../helpers/problems';

/**
 * Two refusals every operation of the document keeps, walked from the served OpenAPI document so
 * that a route added later is covered without a new row: an unknown query parameter is a 400
 * naming it, and a body whose bytes are not UTF-8 is a 400 malformed_request. Neither writes.
 */
interface Operation {
  operationId: string;
  requestBody?: { content: Record<string, { schema: { example?: unknown } }> };
}

let t: TestApp;
let operations: Array<{ name: string; method: string; path: string; op: Operation }>;
/** A real value for each path parameter, by the collection its path starts with. */
let pathValues: Record<string, string>;
/** A real value for a path parameter that names something inside a collection, by its name. */
let paramValues: Record<string, string>;

beforeAll(async () => {
  t = await makeApp();
  const { team, theme, initiative, iteration } = await createStartedIteration(t);
  const checkIn = await t.call({ method: 'POST', url: `/v1/iterations/${iteration.id}/check-ins`, payload: { health: 'on_track' } });
  const key = await createKey(t, 'viewer');
  const tracked = await createMetric(t);
  const trackRes = await t.call({ method: 'POST', url: `/v1/iterations/${iteration.id}/metrics`, payload: { metric: tracked.key, target: 1 } });
  expect(trackRes.statusCode, trackRes.body).toBe(201);
  paramValues = { metric_key: tracked.key };
  const metric = await createMetric(t, { team: team.key });
  const measurement = await t.call({ method: 'POST', url: '/v1/measurements', payload: { metric: metric.key, initiative: initiative.key, value: 1 } });
  const hypothesis = await t.call({
    method: 'POST',
    url: `/v1/iterations/${iteration.id}/hypotheses`,
    payload: { statement: 'We believe that it works', metric: metric.key, operator: 'gte', threshold: 1 },
  });
  expect(hypothesis.statusCode, hypothesis.body).toBe(201);
  const actionItem = await t.call({ method: 'POST', url: `/v1/iterations/${iteration.id}/action-items`, payload: { title: 'Follow up' } });
  expect(actionItem.statusCode, actionItem.body).toBe(201);
  pathValues = {
    teams: team.key,
    themes: theme.key,
    initiatives: initiative.key,
    iterations: iteration.id,
    'check-ins': (checkIn.json() as { id: string }).id,
    'api-keys': key.id,
    metrics: metric.key,
    measurements: (measurement.json() as { id: string }).id,
    hypotheses: (hypothesis.json() as { id: string }).id,
    'action-items': (actionItem.json() as { id: string }).id,
  };
  const doc = (await t.call({ method: 'GET', url: '/openapi.json', key: null })).json() as {
    paths: Record<string, Record<string, Operation>>;
  };
  operations = Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, method: method.toUpperCase(), path, op })),
  );
});
afterAll(() => t.close());

function urlOf(path: string): string {
  const collection = path.split('/')[2] ?? '';
  return path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    if (name === 'a' || name === 'b') return '1';
    const value = paramValues[name] ?? pathValues[collection];
    if (value === undefined) throw new Error(`No test value for {${name}} in ${path}; add the collection '${collection}' to pathValues`);
    return value;
  });
}

/** rowid, or the primary key of a table WITHOUT ROWID (which has no rowid). */
function orderOf(table: string): string {
  const { sql } = t.db.$client.prepare('SELECT sql FROM sqlite_master WHERE name = ?').get(table) as { sql: string };
  if (!/\bWITHOUT ROWID\s*$/i.test(sql)) return 'rowid';
  const columns = t.db.$client.prepare(`SELECT name, pk FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk`).all(table) as Array<{ name: string }>;
  return columns.map((c) => `"${c.name}"`).join(', ');
}

/** Every row of every table: a request that was refused must leave all of it as it was. */
function snapshot(): string {
  const tables = t.db.$client.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>;
  return JSON.stringify(tables.map(({ name }) => t.db.$client.prepare(`SELECT * FROM "${name}" ORDER BY ${orderOf(name)}`).all()));
}

describe('every operation of the document', () => {
  it('is walked (the document lists the API)', () => {
    expect(operations.length).toBeGreaterThan(30);
  });

  it('refuses an unknown query parameter with a 400 naming it, and writes nothing', async () => {
    for (const { name, method, path, op } of operations) {
      const before = snapshot();
      const example = op.requestBody?.content['application/json']?.schema.example;
      const res = await t.call({
        method: method as 'GET',
        url: `${urlOf(path)}?bogus_param=1`,
        ...(op.requestBody ? { payload: (example ?? {}) as Record<string, unknown> } : {}),
      });
      const problem = expectProblem(res, 400, 'validation_failed');
      expect(errorPaths(problem), name).toEqual(['query.bogus_param']);
      expect(snapshot(), name).toBe(before);
    }
  });

  it('refuses a body that is not valid UTF-8 with a 400 malformed_request, and writes nothing', async () => {
    const withBody = operations.filter(({ op }) => op.requestBody);
    expect(withBody.length).toBeGreaterThan(10);
    // An encoded surrogate (ED A0 80) and a lone continuation byte: both used to be stored as U+FFFD.
    for (const bytes of [[0xed, 0xa0, 0x80], [0x80]]) {
      for (const { name, method, path } of withBody) {
        const before = snapshot();
        const payload = Buffer.concat([Buffer.from('{"name":"a'), Buffer.from(bytes), Buffer.from('b"}')]);
        const res = await t.call({ method: method as 'POST', url: urlOf(path), payload, headers: { 'content-type': 'application/json' } });
        const problem = expectProblem(res, 400, 'malformed_request');
        expect(problem.detail, name).toMatch(/not valid UTF-8/);
        expect(snapshot(), name).toBe(before);
      }
    }
  });

  it('still accepts UTF-8 text beyond ASCII, stored as sent', async () => {
    const res = await t.call({
      method: 'POST',
      url: '/v1/teams',
      payload: Buffer.from('{"key":"utf8-ok","name":"Équipe 営業 🚀"}'),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect((res.json() as { name: string }).name).toBe('Équipe 営業 🚀');
  });
});
