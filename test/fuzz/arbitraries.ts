import fc from 'fast-check';
import { invalidBody, validBody, type Body } from './bodies';
import { encodeComponent } from './encoding';
import type { Operation, Parameter } from './operations';
import { invalidParam, RAW_QUERIES, validParam } from './params';
import { FuzzRequest } from './request';
import type { PoolName, Pools, ValueContext } from './schema-values';

/**
 * The request generator: for every operation of the OpenAPI document, half the requests are valid
 * in every part (a real key, real ids in the path, schema-valid query and body), so they reach the
 * services and change the data; the other half get some parts wrong: body, query, path, content
 * type, method, credentials or conditional and idempotency headers.
 */

export interface Keys {
  admin: string;
  /** An editor of the seeded teams that own most initiatives. */
  editor: string;
  /** An editor of a team that owns nothing seeded. */
  otherEditor: string;
  viewer: string;
}

export interface World {
  pools: Pools;
  keys: Keys;
  /** The app's clock, in ms. */
  now: () => number;
}

interface Auth {
  header?: string;
  /** `?access_token=` instead of (or with) the header. */
  token?: string;
}

interface Parts {
  method: string;
  auth: Auth;
  path: Record<string, string>;
  query: string[];
  body: Body;
  headers: Record<string, string | undefined>;
}

const bearer = (key: string): Auth => ({ header: `Bearer ${key}` });

/** Real keys of every role; `writer` leaves out those that cannot write anything (the viewer). */
function goodAuth(keys: Keys, writer = false): fc.Arbitrary<Auth> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.constant(bearer(keys.admin)) },
    { weight: 3, arbitrary: fc.constant(bearer(keys.editor)) },
    { weight: 1, arbitrary: fc.constant(bearer(keys.otherEditor)) },
    { weight: writer ? 0 : 2, arbitrary: fc.constant(bearer(keys.viewer)) },
  );
}

function badAuth(keys: Keys, op: Operation): fc.Arbitrary<Auth> {
  const variants: Auth[] = [
    {},
    { header: '' },
    { header: 'Bearer' },
    { header: 'Bearer ' },
    { header: `bearer ${keys.editor}` },
    { header: `Bearer   ${keys.viewer}   ` },
    { header: `Bearer ${keys.admin} ${keys.admin}` },
    { header: `Basic ${Buffer.from(`admin:${keys.admin}`).toString('base64')}` },
    { header: `Token ${keys.admin}` },
    { header: keys.admin },
    { header: 'Bearer rw_unknown_key_0123456789abcdef' },
    { header: `Bearer ${keys.admin.toUpperCase()}` },
    { header: `Bearer ${'k'.repeat(10_000)}` },
    { header: 'Bearer \u00e9\u00e8\u00ff' },
    { token: keys.viewer },
    { token: keys.admin },
    { token: '' },
    { header: bearer(keys.viewer).header, token: keys.viewer },
  ];
  const usesToken = op.parameters.some((p) => p.name === 'access_token');
  const good: Array<fc.WeightedArbitrary<Auth>> = usesToken ? [{ weight: 3, arbitrary: fc.constant({ token: keys.viewer }) }] : [];
  return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...variants) }, ...good);
}

const ETAGS = fc.constantFrom('*', '"v1-x"', '"v2-x"', '"v3-x"', '"v1-x", "v2-y"', 'W/"v1-x"', '"garbage"', '', 'v1', `"${'v'.repeat(5000)}"`, '"v99999999999999999999-x"');
const IDEMPOTENCY_KEYS = fc.constantFrom('fuzz-1', 'fuzz-2', 'fuzz-3', '0b6f3c1e-5d8a-4c4e-9a3b-7f1d2e6c9a10', '', ' ', 'k'.repeat(256), 'caf\u00e9', '\u00ff\u00fe');
const ACCEPTS = fc.constantFrom(
  'application/json',
  'text/csv',
  '*/*',
  'application/xml',
  'text/csv;q=0.1, application/json;q=0.9',
  'application/problem+json',
  'text/*',
  ';;;',
  'application/json;q=0',
  'x'.repeat(3000),
);

/** Cursors shaped like the ones lists issue (base64url of a one-element JSON array), with keys no list issued. */
const CURSORS = fc
  .constantFrom<unknown>('itr_0', 'zzzz', '', '\uD800', 0, -1, 1.5, 1e308, 2 ** 53 + 1, null, [1], { a: 1 })
  .map((key) => Buffer.from(JSON.stringify([key])).toString('base64url'));

const maybe = <T>(arb: fc.Arbitrary<T>, freq = 4) => fc.option(arb, { nil: undefined, freq });

function validHeaders(op: Operation): fc.Arbitrary<Record<string, string | undefined>> {
  // Mostly a fresh key; a reused one replays the first response or, for another request, is a 422.
  if (op.method === 'POST') return fc.record({ 'idempotency-key': maybe(fc.oneof({ weight: 4, arbitrary: fc.uuid() }, fc.constantFrom('fuzz-1', 'fuzz-2')), 3) });
  if (op.method === 'GET') return fc.record({ accept: maybe(fc.constantFrom('application/json', 'text/csv', '*/*'), 3) });
  return fc.record({ 'if-match': maybe(fc.constantFrom('*', '"v1-x"', '"v2-x"', '"v3-x"'), 2) });
}

const anyHeaders = fc.record({
  'if-match': maybe(ETAGS),
  'if-none-match': maybe(ETAGS),
  'idempotency-key': maybe(IDEMPOTENCY_KEYS),
  accept: maybe(ACCEPTS),
  'content-encoding': maybe(fc.constantFrom('gzip', 'identity', 'br, gzip'), 12),
});

function pathArbitrary(op: Operation, ctx: ValueContext, valid: boolean): fc.Arbitrary<Record<string, string>> {
  const params = op.parameters.filter((p) => p.in === 'path');
  const one = (p: Parameter) => (valid ? validParam(p, ctx, op.path) : fc.oneof({ weight: 3, arbitrary: validParam(p, ctx, op.path) }, { weight: 1, arbitrary: invalidParam(p.schema) }));
  return fc.record(Object.fromEntries(params.map((p) => [p.name, one(p)])));
}

/** The query as `name=value` pairs; valid: a subset of the documented parameters with valid values. */
function queryArbitrary(op: Operation, ctx: ValueContext, valid: boolean): fc.Arbitrary<string[]> {
  // access_token is a credential (see the auth parts); a cursor is drawn from CURSORS.
  const params = op.parameters.filter((p) => p.in === 'query' && p.name !== 'access_token' && p.name !== 'cursor');
  const pair = (p: Parameter, value: fc.Arbitrary<string>) => value.map((v) => `${encodeComponent(p.name)}=${v}`);
  const cursor = op.parameters.some((p) => p.name === 'cursor') ? [maybe(CURSORS.map((c) => `cursor=${encodeComponent(c)}`), 3)] : [];
  const good = fc
    .tuple(...params.map((p) => (p.required ? pair(p, validParam(p, ctx, op.path)) : maybe(pair(p, validParam(p, ctx, op.path)), 2))), ...cursor)
    .map((pairs) => pairs.filter((x): x is string => x !== undefined));
  if (valid) return good;
  const documented = op.parameters.filter((p) => p.in === 'query');
  const bad: Array<fc.Arbitrary<string>> = [RAW_QUERIES, fc.constantFrom('foo=1', 'unknown_filter=x', 'Limit=5')];
  if (documented.length > 0) bad.push(fc.oneof(...documented.map((p) => pair(p, invalidParam(p.schema)))), fc.constantFrom(...documented).map((p) => `${p.name}=1&${p.name}=2`));
  return fc.tuple(good, fc.array(fc.oneof(...bad), { minLength: 1, maxLength: 2 })).map(([g, b]) => [...g, ...b]);
}

const SELF_POOLS: Record<string, PoolName> = { '/v1/teams': 'team', '/v1/themes': 'theme', '/v1/metrics': 'metric', '/v1/initiatives': 'initiative' };

function operationArbitrary(op: Operation, world: World): fc.Arbitrary<FuzzRequest> {
  const ctx: ValueContext = { pools: world.pools, now: world.now, self: SELF_POOLS[op.path] };
  const valid: fc.Arbitrary<Parts> = fc.record({
    method: fc.constant(op.method),
    auth: goodAuth(world.keys, op.method !== 'GET'),
    path: pathArbitrary(op, ctx, true),
    query: queryArbitrary(op, ctx, true),
    body: validBody(op, ctx),
    headers: validHeaders(op),
  });
  const sometimes = <T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: good }, { weight: 1, arbitrary: bad });
  const mutated: fc.Arbitrary<Parts> = fc.record({
    method: fc.oneof({ weight: 12, arbitrary: fc.constant<string>(op.method) }, fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS')),
    auth: sometimes(goodAuth(world.keys), badAuth(world.keys, op)),
    path: pathArbitrary(op, ctx, false),
    query: sometimes(queryArbitrary(op, ctx, true), queryArbitrary(op, ctx, false)),
    body: fc.oneof({ weight: op.body ? 1 : 4, arbitrary: validBody(op, ctx) }, { weight: op.body ? 3 : 1, arbitrary: invalidBody(op, ctx) }),
    headers: sometimes(validHeaders(op), anyHeaders),
  });
  return fc.oneof(valid, mutated).map((parts) => assemble(op, parts));
}

function assemble(op: Operation, parts: Parts): FuzzRequest {
  const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => parts.path[name] ?? '');
  const query = parts.auth.token === undefined ? parts.query : [...parts.query, `access_token=${encodeComponent(parts.auth.token)}`];
  const headers: Record<string, string> = {};
  if (parts.auth.header !== undefined) headers.authorization = parts.auth.header;
  if (parts.body.contentType !== undefined) headers['content-type'] = parts.body.contentType;
  for (const [k, v] of Object.entries(parts.headers)) if (v !== undefined) headers[k] = v;
  return new FuzzRequest(op.operationId, parts.method, query.length > 0 ? `${path}?${query.join('&')}` : path, headers, parts.body.payload);
}

/** Paths outside the document's operations (unknown ones, the document itself, the docs UI), by any method. */
function strayArbitrary(world: World): fc.Arbitrary<FuzzRequest> {
  return fc
    .tuple(
      fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'),
      fc.constantFrom('/', '/v1', '/v1/', '/v2/teams', '/v1/nope', '/v1/teams/x/y/z', '//v1//teams', '/v1/teams/..%2F..%2Fapi-keys', '/v1/%ED%A0%80', '/v1/teams%00', `/v1/${'a'.repeat(5000)}`, '/openapi.json', '/docs', '/v1/teams;x=1', '/v1/TEAMS'),
      goodAuth(world.keys),
    )
    .map(([method, url, auth]) => new FuzzRequest('stray', method, url, auth.header ? { authorization: auth.header } : {}));
}

/**
 * How often an operation is drawn, relative to the others (4). Deletions, policy changes and
 * abandoning a quarter as often, planning and starting an iteration twice as often: archiving every
 * initiative, a policy that blocks every start, or no iteration left running would leave little for
 * the other writes to change. Logging measurements four times as often: that write keeps three
 * rollup tables, the invariants checked at the end.
 */
const WEIGHTS: Record<string, number> = { updatePolicy: 1, abandonIteration: 1, createIteration: 8, startIteration: 8, recordMeasurements: 16 };
const weightOf = (op: Operation) => WEIGHTS[op.operationId] ?? (op.method === 'DELETE' ? 1 : 4);

/** One request for any operation of the document, or for a path it does not have. */
export function requestArbitrary(operations: Operation[], world: World): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(...operations.map((op) => ({ weight: weightOf(op), arbitrary: operationArbitrary(op, world) })), { weight: 4, arbitrary: strayArbitrary(world) });
}
