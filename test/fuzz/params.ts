import fc from 'fast-check';
import { encodeComponent } from './encoding';
import type { JsonSchema, Parameter } from './operations';
import { pick, validValue, type PoolName, type ValueContext } from './schema-values';

/**
 * Path and query values as they appear in the URL (already percent-encoded): valid ones from the
 * parameter's schema (real ids and keys for path parameters), and invalid ones: empty, over-long,
 * lone surrogates, broken percent-encoding, numbers out of range, traversal, injection.
 */

/** What a path parameter names, from the segment before it (`/v1/hypotheses/{id}`: a hypothesis). */
const SEGMENT_POOLS: Record<string, PoolName> = {
  teams: 'team',
  themes: 'theme',
  initiatives: 'initiative',
  iterations: 'iteration',
  hypotheses: 'hypothesis',
  'check-ins': 'checkIn',
  'action-items': 'actionItem',
  measurements: 'measurement',
  'api-keys': 'apiKey',
  metrics: 'metric',
};

export function pathPool(path: string, name: string): PoolName | undefined {
  if (name === 'a' || name === 'b') return 'version';
  if (name === 'metric_key') return 'metric';
  const segments = path.split('/');
  const at = segments.indexOf(`{${name}}`);
  return SEGMENT_POOLS[segments[at - 1] ?? ''];
}

const text = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

export function validParam(param: Parameter, ctx: ValueContext, path: string): fc.Arbitrary<string> {
  const fromSchema = validValue(param.schema, { ...ctx, field: param.name }).map((v) => encodeComponent(text(v)));
  if (param.in !== 'path') return fromSchema;
  const pool = pathPool(path, param.name);
  const real = pool ? ctx.pools[pool] : [];
  return real.length > 0 ? fc.oneof({ weight: 9, arbitrary: pick(real).map(encodeComponent) }, { weight: 1, arbitrary: fromSchema }) : fromSchema;
}

/** Percent-encoding a client can get wrong, sent as is. */
const BROKEN_ENCODING = fc.constantFrom('%', '%zz', '%C3', '%C3%28', '%ED%A0%80', '%F0%9F', '%00', '%2F', '%2e%2e%2f', '%25', '%FF%FE');

const JUNK = (max: number) =>
  fc.constantFrom(
    '',
    ' ',
    'x'.repeat(max + 1),
    'x'.repeat(100_000),
    '\uD800',
    'a\uDFFFb',
    'ü',
    '😀',
    '../../etc/passwd',
    'null',
    'undefined',
    '-1',
    '0',
    '-0',
    '1e400',
    'NaN',
    'Infinity',
    '9'.repeat(400),
    '1.5',
    '[object Object]',
    'true',
    '<script>alert(1)</script>',
    "' OR 1=1 --",
    '\u0000',
    'a\nb',
    '__proto__',
  );

export function invalidParam(schema: JsonSchema): fc.Arbitrary<string> {
  return fc.oneof({ weight: 3, arbitrary: JUNK(schema.maxLength ?? 1000).map(encodeComponent) }, { weight: 1, arbitrary: BROKEN_ENCODING });
}

/** Query strings no parameter list describes. */
export const RAW_QUERIES = fc.constantFrom('&&&', '=', '==&=x', 'limit', 'limit=', 'limit=1&limit=2', 'limit[]=1', 'limit[a]=1', '%zz=1', 'a=%ED%A0%80', '__proto__=1', 'constructor[prototype][x]=1', 'LIMIT=5', '?limit=5', `x=${'y'.repeat(20_000)}`);
