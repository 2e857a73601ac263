import { Readable } from 'node:stream';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { beginDraining } from '../../src/http/draining';
import { createApiKey } from '../../src/modules/api-keys/api-keys.service';
import { makeApp, type TestApp } from '../helpers/app';
import { createKey } from '../helpers/factories';
import { buildWorld, urlOf, type World } from './world';

/**
 * The statuses an operation documents because the frame of the API produces them (the key, the
 * role gate, strict input, body limits and types, CSV suffixes, Idempotency-Key, conditional
 * GETs, unknown ids, the rate limit, shutdown), answered by every operation of the served
 * document that documents them. A new operation is covered as soon as it is registered.
 */

interface Operation {
  operationId: string;
  method: string;
  path: string;
  statuses: string[];
}

type Document = { paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>> };

async function operationsOf(t: TestApp): Promise<Operation[]> {
  const doc = (await t.call({ method: 'GET', url: '/openapi.json', key: null })).json() as Document;
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ operationId: op.operationId, method: method.toUpperCase(), path, statuses: Object.keys(op.responses) })),
  );
}

/**
 * A body each operation that needs one accepts, for the statuses decided after validation (an
 * unknown id, a reused Idempotency-Key); the objects it names need not exist.
 */
const BODIES: Record<string, object> = {
  createApiKey: { name: 'Contract probe', role: 'viewer' },
  createTeam: { key: 'contract-team', name: 'Contract' },
  updateTeam: { name: 'Renamed' },
  createTheme: { key: 'contract-theme', name: 'Contract' },
  updateTheme: { name: 'Renamed' },
  createInitiative: { key: 'contract-initiative', title: 'Contract', team: 'contract-team' },
  updateInitiative: { title: 'Renamed' },
  updateIteration: { goal: 'Changed' },
  createCheckIn: { health: 'on_track' },
  createHypothesis: { statement: 'We believe that it works', metric: 'contract-metric', operator: 'gte', threshold: 1 },
  updateHypothesis: { statement: 'We believe that it works better' },
  concludeHypothesis: { result: 'validated' },
  createMetric: { key: 'contract-metric', name: 'Contract', unit: 'count', direction: 'increase', aggregation: 'sum' },
  updateMetric: { name: 'Renamed' },
  trackMetric: { metric: 'contract-metric', baseline: 1, target: 2 },
  updateTrackedMetric: { target: 3 },
  putRetrospective: { went_well: ['Shipped'] },
  createActionItem: { title: 'Follow up' },
  updateActionItem: { status: 'done' },
  recordMeasurements: { metric: 'contract-metric', initiative: 'contract-initiative', value: 1 },
  voidMeasurement: { reason: 'Duplicate row' },
  updatePolicy: {},
};
const bodyOf = (op: Operation) => (BODIES[op.operationId] ? { payload: BODIES[op.operationId] } : {});

/** The bodies are small, so that a body of 2 KiB is over every limit (measurements have their own). */
const LIMITS = { BODY_LIMIT_BYTES: '1024', MEASUREMENT_BODY_LIMIT_BYTES: '1024' };

let t: TestApp;
let operations: Operation[];
let world: World;
let viewer: string;
beforeAll(async () => {
  t = await makeApp(LIMITS);
  operations = await operationsOf(t);
  world = await buildWorld(t);
  viewer = (await createKey(t, 'viewer')).secret;
});
afterAll(() => t.close());

const documenting = (status: number, filter: (op: Operation) => boolean = () => true) => {
  const ops = operations.filter((op) => op.statuses.includes(String(status)) && filter(op));
  expect(ops.length, `operations documenting ${status}`).toBeGreaterThan(0);
  return ops;
};

const codeOf = (res: LightMyRequestResponse): string | undefined =>
  String(res.headers['content-type']).startsWith('application/problem+json') ? (res.json() as { code?: string }).code : undefined;

/** Sends a request per operation; lists those that did not answer `status` with the problem `code` (and `also`). */
async function misfits(
  ops: Operation[],
  status: number,
  code: string | null,
  send: (op: Operation) => Promise<LightMyRequestResponse>,
  also: (res: LightMyRequestResponse) => boolean = () => true,
) {
  const wrong: string[] = [];
  for (const op of ops) {
    const res = await send(op);
    if (res.statusCode !== status || (code !== null && codeOf(res) !== code) || !also(res)) {
      wrong.push(`${op.operationId} (${op.method} ${op.path}): ${res.statusCode} ${res.body.slice(0, 120)}`);
    }
  }
  return wrong;
}

const withCsvSuffix = (url: string) => url.replace(/^[^?]*/, (path) => `${path}.csv`);

describe('every operation answers the statuses the frame of the API gives it', () => {
  it('401 unauthorized without a key', async () => {
    const ops = documenting(401);
    expect(await misfits(ops, 401, 'unauthorized', (op) => t.call({ method: op.method, url: urlOf(op.path, world), key: null }))).toEqual([]);
  });

  it('403 forbidden to a viewer key, on every operation that needs more', async () => {
    const ops = documenting(403);
    expect(await misfits(ops, 403, 'forbidden', (op) => t.call({ method: op.method, url: urlOf(op.path, world), key: viewer }))).toEqual([]);
  });

  it('400 validation_failed naming an unknown query parameter, or the missing body checked before it', async () => {
    const ops = documenting(400);
    const send = (op: Operation) => t.call({ method: op.method, url: `${urlOf(op.path, world)}?contract_probe=1` });
    const namesIt = (res: LightMyRequestResponse) =>
      (res.json() as { errors?: { path: string }[] }).errors?.some((e) => e.path === 'query.contract_probe' || e.path.startsWith('body')) === true;
    expect(await misfits(ops, 400, 'validation_failed', send, namesIt)).toEqual([]);
  });

  it('406 not_acceptable for a .csv suffix on a read without a CSV form', async () => {
    const ops = documenting(406);
    expect(ops.every((op) => op.method === 'GET')).toBe(true);
    expect(await misfits(ops, 406, 'not_acceptable', (op) => t.call({ method: op.method, url: withCsvSuffix(urlOf(op.path, world)) }))).toEqual([]);
  });

  it('413 payload_too_large for a body over the limit', async () => {
    const ops = documenting(413);
    const payload = JSON.stringify({ pad: 'x'.repeat(2048) });
    const send = (op: Operation) => t.call({ method: op.method, url: urlOf(op.path, world), headers: { 'content-type': 'application/json' }, payload });
    expect(await misfits(ops, 413, 'payload_too_large', send)).toEqual([]);
  });

  it('415 unsupported_media_type for a body that is not JSON', async () => {
    const ops = documenting(415);
    const send = (op: Operation) => t.call({ method: op.method, url: urlOf(op.path, world), headers: { 'content-type': 'application/xml' }, payload: '<x/>' });
    expect(await misfits(ops, 415, 'unsupported_media_type', send)).toEqual([]);
  });

  it('409 idempotency_key_in_use on every POST while a request with the same Idempotency-Key is still uploading', async () => {
    const ops = documenting(409, (op) => op.method === 'POST');
    const send = async (op: Operation) => {
      const url = urlOf(op.path, world);
      const headers = { 'idempotency-key': `contract-${op.operationId}` };
      let reading!: () => void;
      const started = new Promise<void>((resolve) => (reading = resolve));
      // Read only once the first request is past its hooks: its Idempotency-Key is claimed by then.
      const body = new Readable({ read: () => reading() });
      const first = t.call({ method: 'POST', url, headers: { ...headers, 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, payload: body });
      await started;
      const second = await t.call({ method: 'POST', url, headers, payload: {} });
      body.push('{');
      body.push(null);
      expect((await first).statusCode, `${op.operationId}: the held request ends as a malformed body`).toBe(400);
      return second;
    };
    expect(await misfits(ops, 409, 'idempotency_key_in_use', send)).toEqual([]);
  });

  it('404 not_found for unknown ids, on every operation that names an object in its path', async () => {
    const ops = documenting(404, (op) => op.path.includes('{'));
    expect(await misfits(ops, 404, 'not_found', (op) => t.call({ method: op.method, url: urlOf(op.path), ...bodyOf(op) }))).toEqual([]);
  });

  it('422 idempotency_key_reused on every POST under a key already used for another request', async () => {
    const key = 'contract-reused';
    const stored = await t.call({ method: 'POST', url: '/v1/teams', payload: { key: 'contract-stored', name: 'Stored' }, headers: { 'idempotency-key': key } });
    expect(stored.statusCode, stored.body).toBe(201);
    const ops = documenting(422, (op) => op.method === 'POST');
    const send = (op: Operation) => t.call({ method: 'POST', url: urlOf(op.path), headers: { 'idempotency-key': key }, ...bodyOf(op) });
    expect(await misfits(ops, 422, 'idempotency_key_reused', send)).toEqual([]);
  });

  it('304 to If-None-Match with the ETag just read, on every read that documents it', async () => {
    const ops = documenting(304);
    const send = async (op: Operation) => {
      const url = urlOf(op.path, world);
      const first = await t.call({ method: 'GET', url });
      expect(first.statusCode, `${op.operationId}: ${first.body}`).toBe(200);
      expect(first.headers.etag, op.operationId).toBeTruthy();
      return t.call({ method: 'GET', url, headers: { 'if-none-match': String(first.headers.etag) } });
    };
    expect(await misfits(ops, 304, null, send)).toEqual([]);
  });
});

describe('every operation behind a key is rate limited', () => {
  let limited: TestApp;
  beforeAll(async () => {
    limited = await makeApp({ RATE_LIMIT_MAX: '1' });
  });
  afterAll(() => limited.close());

  it('429 rate_limited with Retry-After on the second request of a key allowed one', async () => {
    const ops = documenting(429);
    const ctx = {
      db: limited.db,
      clock: limited.clock,
      config: limited.config,
      actor: { keyId: 'system', name: 'contract test', role: 'admin' as const, teamIds: new Set<string>() },
      requestId: 'contract',
    };
    const send = async (op: Operation) => {
      // A key of its own per operation: the first request passes the limiter, whatever it answers.
      const key = createApiKey(ctx, { name: `limited ${op.operationId}`, role: 'admin', teams: [] }).secret;
      const url = urlOf(op.path);
      const first = await limited.call({ method: op.method, url, key });
      expect(first.statusCode, `${op.operationId}: the first request is within the limit`).not.toBe(429);
      const second = await limited.call({ method: op.method, url, key });
      if (second.statusCode === 429) expect(second.headers['retry-after'], op.operationId).toMatch(/^\d+$/);
      return second;
    };
    expect(await misfits(ops, 429, 'rate_limited', send)).toEqual([]);
  });
});

describe('every operation answers 503 while the server shuts down', () => {
  let draining: TestApp;
  beforeAll(async () => {
    draining = await makeApp();
    beginDraining(draining.app);
  });
  afterAll(() => draining.close());

  it('503 shutting_down with Retry-After, probes included', async () => {
    const ops = documenting(503);
    expect(ops.length).toBe(operations.length);
    const send = async (op: Operation) => {
      const res = await draining.call({ method: op.method, url: urlOf(op.path) });
      if (res.statusCode === 503) expect(res.headers['retry-after'], op.operationId).toMatch(/^\d+$/);
      return res;
    };
    expect(await misfits(ops, 503, 'shutting_down', send)).toEqual([]);
  });
});
