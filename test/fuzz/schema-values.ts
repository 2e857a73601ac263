import fc from 'fast-check';
import { deepNesting, DuplicateKeys, RawJson } from './json-text';
import type { JsonSchema } from './operations';

/**
 * fast-check arbitraries for the values a JSON Schema describes: `validValue` gives what the
 * schema accepts (a field named like a reference, `team` or `metric`, usually takes a real one so
 * the request reaches the rules behind validation), `invalidValue` what a client gets wrong at
 * that spot: wrong types, null, huge strings, lone surrogates, deep nesting, out-of-range and
 * unrepresentable numbers, missing, unknown and duplicated keys.
 */

/**
 * Keys and ids of real objects, by what they are: the seeded ones, and those the fuzz creates
 * (the runner adds them as they appear, so the pools are read when a value is drawn).
 */
export interface Pools {
  team: string[];
  theme: string[];
  initiative: string[];
  iteration: string[];
  metric: string[];
  hypothesis: string[];
  checkIn: string[];
  actionItem: string[];
  measurement: string[];
  apiKey: string[];
  /** Iteration numbers, for the diff's `{a}` and `{b}`. */
  version: string[];
}
export type PoolName = keyof Pools;

export interface ValueContext {
  pools: Pools;
  /** The field (property or parameter) the value is for. */
  field?: string;
  /** What a `key` field creates here (POST /v1/teams: a team): an existing one makes a conflict. */
  self?: PoolName;
  /** The app's clock, in ms: dates are drawn around it. */
  now: () => number;
}

const FIELD_POOLS: Record<string, PoolName> = {
  team: 'team',
  teams: 'team',
  theme: 'theme',
  metric: 'metric',
  metric_key: 'metric',
  initiative: 'initiative',
  iteration: 'iteration',
  supersedes: 'measurement',
  entity_id: 'initiative',
};

/** One element of a pool as it is when the value is drawn. */
export const pick = (pool: string[]): fc.Arbitrary<string> => fc.nat().map((i) => pool[i % pool.length] as string);

function poolOf(ctx: ValueContext): string[] {
  const name = ctx.field === 'key' ? ctx.self : ctx.field === undefined ? undefined : FIELD_POOLS[ctx.field];
  return name ? ctx.pools[name] : [];
}

// Shared, so a thousand requests do not build a thousand megabytes.
export const OVER_BODY_LIMIT = 'x'.repeat(1_100_000);
export const UNDER_BODY_LIMIT = 'y'.repeat(900_000);

const DAY = 86_400_000;

/**
 * Instants around the app's clock as the value is drawn: mostly the last 60 days (where
 * iterations run, so measurements land), sometimes ahead of it or anywhere in a year.
 */
function instants(now: () => number): fc.Arbitrary<string> {
  const offset = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: -60 * DAY, max: 0 }) }, fc.integer({ min: 0, max: 30 * DAY }), fc.integer({ min: -365 * DAY, max: 365 * DAY }));
  return offset.map((ms) => new Date(now() + ms).toISOString());
}

/** Valid instants at the edges of what RFC 3339 can write. */
const EDGE_INSTANTS = ['0001-01-01T00:00:00Z', '1970-01-01T00:00:00Z', '2024-02-29T23:59:59.999999999Z', '9999-12-31T23:59:59.999Z', '2026-01-05T09:00:00+14:00', '2026-01-05T09:00:00-12:00'];

function dates(format: string, now: () => number): fc.Arbitrary<string> {
  const instant = instants(now);
  if (format === 'date') return fc.oneof({ weight: 8, arbitrary: instant.map((iso) => iso.slice(0, 10)) }, fc.constantFrom(...EDGE_INSTANTS.map((iso) => iso.slice(0, 10))));
  return fc.oneof(
    { weight: 8, arbitrary: instant },
    { weight: 2, arbitrary: instant.map((iso) => iso.replace(/\.\d{3}Z$/, 'Z')) },
    { weight: 2, arbitrary: instant.map((iso) => iso.replace(/\.\d{3}Z$/, '+02:00')) },
    { weight: 1, arbitrary: fc.constantFrom(...EDGE_INSTANTS) },
  );
}

// Building an arbitrary from a pattern is costly, and the same key pattern recurs in every operation.
const strings = new Map<string, fc.Arbitrary<string>>();

function stringOf(s: JsonSchema): fc.Arbitrary<string> {
  const id = JSON.stringify([s.format, s.pattern, s.minLength, s.maxLength]);
  let arbitrary = strings.get(id);
  if (!arbitrary) strings.set(id, (arbitrary = newStringOf(s)));
  return arbitrary;
}

function newStringOf(s: JsonSchema): fc.Arbitrary<string> {
  const min = s.minLength ?? 0;
  const max = s.maxLength ?? 200;
  const fits = (x: string) => x.length >= min && x.length <= max;
  if (s.format === 'date-time' || s.format === 'date') return dates(s.format, () => Date.parse('2026-01-05T09:00:00.000Z'));
  if (s.pattern) return fc.stringMatching(new RegExp(s.pattern), { size: 'xsmall' }).filter(fits);
  return fc.oneof(
    { weight: 3, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: min, maxLength: Math.min(max, 40) }) },
    fc.string({ unit: 'grapheme', minLength: min, maxLength: Math.min(max, 12) }).filter(fits),
  );
}

function bounds(s: JsonSchema): { lo?: number; hi?: number; loOpen: boolean; hiOpen: boolean } {
  const lo = typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum : s.minimum;
  const hi = typeof s.exclusiveMaximum === 'number' ? s.exclusiveMaximum : s.maximum;
  return { lo, hi, loOpen: s.exclusiveMinimum !== undefined && s.exclusiveMinimum !== false, hiOpen: s.exclusiveMaximum !== undefined && s.exclusiveMaximum !== false };
}

function numberOf(s: JsonSchema): fc.Arbitrary<number> {
  const { lo, hi, loOpen, hiOpen } = bounds(s);
  const min = Math.ceil(lo ?? -1000) + (loOpen && Number.isInteger(lo) ? 1 : 0);
  const max = Math.floor(hi ?? Math.max(min + 1000, 1000)) - (hiOpen && Number.isInteger(hi) ? 1 : 0);
  const small = fc.integer({ min, max: Math.min(max, min + 40) });
  const wide = fc.integer({ min, max });
  if (s.type === 'integer') return fc.oneof(small, wide);
  // Where the schema sets no bound, the largest finite numbers are valid too: sums of them overflow.
  const extremes = [Number.MAX_VALUE, -Number.MAX_VALUE, 1e300, Number.MIN_VALUE].filter((x) => (lo === undefined || x >= lo) && (hi === undefined || x <= hi));
  return fc.oneof(
    { weight: 3, arbitrary: small },
    { weight: 3, arbitrary: wide },
    { weight: 3, arbitrary: fc.double({ min: lo ?? -1e6, max: hi ?? 1e6, minExcluded: loOpen, maxExcluded: hiOpen, noNaN: true, noDefaultInfinity: true }) },
    ...(extremes.length > 0 ? [{ weight: 1, arbitrary: fc.constantFrom(...extremes) }] : []),
  );
}

const ABSENT = Symbol('absent');

const ATTRIBUTE_NAMES = fc.stringMatching(/^[a-z][a-z_]{0,11}$/);

const singular = (field: string | undefined) => (field === 'teams' ? 'team' : field);

function objectOf(s: JsonSchema, ctx: ValueContext, override?: [string, fc.Arbitrary<unknown>]): fc.Arbitrary<Record<string, unknown>> {
  const props = Object.entries(s.properties ?? {});
  if (props.length === 0) {
    if (typeof s.additionalProperties === 'object') {
      return fc.dictionary(ATTRIBUTE_NAMES, validValue(s.additionalProperties, { ...ctx, field: undefined }), { maxKeys: 3 });
    }
    return fc.constant({});
  }
  const required = new Set([...(s.required ?? []), ...(override ? [override[0]] : [])]);
  const example = s.example !== null && typeof s.example === 'object' && !Array.isArray(s.example) ? (s.example as Record<string, unknown>) : undefined;
  // An optional field is left out two times in three: fields that go together (a currency code
  // with unit currency, a team with scope team) then rarely clash, and more requests pass the rules.
  const field = (k: string, p: JsonSchema, fromExample: boolean) => {
    const value = override?.[0] === k ? override[1] : validValue(p, { ...ctx, field: k });
    if (fromExample && example && k in example && override?.[0] !== k) {
      // The document's example fits together as a whole; a new key must stay new, though.
      return fc.oneof({ weight: k === 'key' ? 1 : 3, arbitrary: fc.constant(example[k]) }, { weight: k === 'key' ? 3 : 1, arbitrary: value });
    }
    return required.has(k) ? value : fc.oneof({ weight: fromExample ? 4 : 2, arbitrary: fc.constant(ABSENT) }, { weight: 1, arbitrary: value });
  };
  const build = (fromExample: boolean) =>
    fc.record(Object.fromEntries(props.map(([k, p]) => [k, field(k, p, fromExample)]))).map((o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== ABSENT)));
  return example ? fc.oneof({ weight: 3, arbitrary: build(true) }, { weight: 1, arbitrary: build(false) }) : build(false);
}

export function validValue(s: JsonSchema, ctx: ValueContext): fc.Arbitrary<unknown> {
  const base = validNonNull(s, ctx);
  return s.nullable ? fc.option(base, { nil: null, freq: 5 }) : base;
}

function validNonNull(s: JsonSchema, ctx: ValueContext): fc.Arbitrary<unknown> {
  if (s.enum) return fc.constantFrom(...s.enum);
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((a) => validValue(a, ctx)));
  if (s.allOf?.[0]) return validValue(s.allOf[0], ctx);
  switch (s.type) {
    case 'string': {
      const pool = poolOf(ctx);
      const own = s.format === 'date-time' || s.format === 'date' ? dates(s.format, ctx.now) : stringOf(s);
      if (pool.length === 0) return own;
      // A reference is usually to something real; a new key usually names something new.
      const realWeight = ctx.field === 'key' ? 1 : 4;
      return fc.oneof({ weight: realWeight, arbitrary: pick(pool) }, { weight: 5 - realWeight, arbitrary: own });
    }
    case 'integer':
    case 'number':
      return numberOf(s);
    case 'boolean':
      return fc.boolean();
    case 'array': {
      const minLength = s.minItems ?? 0;
      return fc.array(validValue(s.items ?? {}, { ...ctx, field: singular(ctx.field) }), { minLength, maxLength: Math.max(minLength, Math.min(s.maxItems ?? 4, 4)) });
    }
    case 'object':
      return objectOf(s, ctx);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Values that do not belong anywhere a schema asks for something specific. */
const HOSTILE: fc.Arbitrary<unknown> = fc.constantFrom(
  deepNesting(10_000, 'array'),
  deepNesting(10_000, 'object'),
  deepNesting(200, 'array'),
  OVER_BODY_LIMIT,
  UNDER_BODY_LIMIT,
  new RawJson('1e400'),
  new RawJson('-0'),
  '\uD800',
  'a\uDFFFb',
  { nested: { deeper: [1, { x: null }] } },
  [[[]]],
);

const LONE_SURROGATES = fc.constantFrom('\uD800', '\uDBFF', '\uDC00x', 'ok\uD83D', '\uDE00\uD83D');

const NOT_NUMBERS = fc.constantFrom<unknown>(
  new RawJson('1e400'),
  new RawJson('-1e400'),
  new RawJson('-0'),
  new RawJson('1E+2'),
  new RawJson('0.0000000000000000000000000001'),
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  Number.MIN_VALUE,
  2 ** 53 + 1,
  -(2 ** 63),
  'NaN',
  'Infinity',
  '-Infinity',
  '12',
  '0x10',
  '',
);

function wrongTypes(s: JsonSchema): fc.Arbitrary<unknown> {
  const all: unknown[] = ['text', 42, 1.5, true, false, {}, [], ['x'], { a: 1 }];
  const kind = (v: unknown) => (Array.isArray(v) ? 'array' : typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v === 'object' ? 'object' : typeof v);
  const ok = (v: unknown) => kind(v) === s.type || (s.type === 'number' && kind(v) === 'integer');
  return fc.constantFrom(...all.filter((v) => s.type === undefined || !ok(v)));
}

export function invalidValue(s: JsonSchema, ctx: ValueContext): fc.Arbitrary<unknown> {
  const options: Array<fc.Arbitrary<unknown>> = [wrongTypes(s), HOSTILE];
  if (!s.nullable) options.push(fc.constant(null));
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives) options.push(...alternatives.map((a) => invalidValue(a, ctx)));
  if (s.enum) options.push(fc.constantFrom('NOT_IN_ENUM', '', ' ', String(s.enum[0]).toUpperCase(), `${String(s.enum[0])} `));
  switch (s.type) {
    case 'string': {
      const max = s.maxLength ?? 10_000;
      options.push(
        fc.constantFrom('x'.repeat(max + 1), 'é'.repeat(max + 1), '😀'.repeat(Math.ceil((max + 1) / 2))),
        LONE_SURROGATES,
        stringOf(s).map((v) => `${v}\uD800`),
        fc.constantFrom('', ' ', 'Not A Key!', '2026-02-30T00:00:00Z', '2026-13-01', 'yesterday', '\u0000', '../../etc', "' OR 1=1 --", 'ÄÖÜ'),
      );
      break;
    }
    case 'integer':
    case 'number': {
      const { lo, hi } = bounds(s);
      const edges = [lo !== undefined ? lo - 1 : -1e15, hi !== undefined ? hi + 1 : 1e15, lo ?? 0, hi ?? 0];
      if (s.type === 'integer') edges.push(0.5, (lo ?? 0) + 0.25);
      options.push(fc.constantFrom(...edges), NOT_NUMBERS);
      break;
    }
    case 'boolean':
      options.push(fc.constantFrom<unknown>('true', 'false', 1, 0, 'yes'));
      break;
    case 'array': {
      const item = s.items ?? {};
      const items = validValue(s, ctx) as fc.Arbitrary<unknown[]>;
      options.push(fc.tuple(items, invalidValue(item, { ...ctx, field: singular(ctx.field) })).map(([xs, bad]) => [...xs, bad]));
      if (s.maxItems !== undefined && s.maxItems <= 1000) {
        const max = s.maxItems;
        options.push(validValue(item, ctx).map((x) => Array.from({ length: max + 1 }, () => x)));
      }
      if ((s.minItems ?? 0) > 0) options.push(fc.constant([]));
      break;
    }
    case 'object':
      options.push(...invalidObjects(s, ctx));
      break;
  }
  return fc.oneof(...options);
}

function invalidObjects(s: JsonSchema, ctx: ValueContext): Array<fc.Arbitrary<unknown>> {
  const props = Object.entries(s.properties ?? {});
  const whole = objectOf(s, ctx);
  const out: Array<fc.Arbitrary<unknown>> = [
    whole.map((o) => ({ ...o, not_a_field: 1 })),
    whole.map((o) => new DuplicateKeys([...Object.entries(o), ['__proto__', { polluted: true }]])),
    whole.map((o) => new DuplicateKeys([...Object.entries(o), ['constructor', { prototype: { polluted: true } }]])),
  ];
  for (const [k, p] of props) {
    out.push(objectOf(s, ctx, [k, invalidValue(p, { ...ctx, field: k })]));
    // The same key twice: which one wins is the parser's choice; either must be a valid request or a 400.
    out.push(
      fc
        .tuple(objectOf(s, ctx, [k, validValue(p, { ...ctx, field: k })]), fc.oneof(validValue(p, { ...ctx, field: k }), invalidValue(p, { ...ctx, field: k })))
        .map(([o, again]) => new DuplicateKeys([...Object.entries(o), [k, again]])),
    );
  }
  for (const k of s.required ?? []) {
    out.push(
      whole.map((o) => {
        const { [k]: _dropped, ...rest } = o;
        return rest;
      }),
    );
  }
  return out;
}
