import fastJson from 'fast-json-stringify';
import type { FastifySerializerCompiler } from 'fastify/types/schema';
import { z } from 'zod';

type JsonSchema = { [key: string]: unknown };

/** Keywords that only validate; a serializer needs the shape alone. `format` would make it reformat strings. */
const VALIDATION_ONLY = ['$schema', 'format', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'description', 'propertyNames'];

const SCHEMA_MAPS = ['properties', 'definitions', '$defs'];
const SCHEMA_LISTS = ['anyOf', 'oneOf', 'allOf'];
const SUBSCHEMAS = ['items', 'additionalProperties', 'not'];

const mapValues = <T, U>(o: Record<string, T>, f: (v: T) => U): Record<string, U> =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));

/**
 * Rewrites zod's JSON Schema into the shapes fast-json-stringify compiles to straight-line code:
 * `anyOf: [X, {type: 'null'}]` becomes X with `nullable: true` (an anyOf would be resolved with a
 * validator at every call).
 */
function simplify(node: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (VALIDATION_ONLY.includes(key)) continue;
    if (SCHEMA_MAPS.includes(key)) out[key] = mapValues(value as Record<string, JsonSchema>, simplify);
    else if (SCHEMA_LISTS.includes(key)) out[key] = (value as JsonSchema[]).map(simplify);
    else if (SUBSCHEMAS.includes(key) && typeof value === 'object' && value !== null) out[key] = simplify(value as JsonSchema);
    else out[key] = value;
  }
  const variants = out.anyOf as JsonSchema[] | undefined;
  if (variants?.length === 2) {
    const other = variants.find((v) => v.type !== 'null');
    if (other && variants.some((v) => v.type === 'null') && typeof other.type === 'string') {
      delete out.anyOf;
      return { ...out, ...other, nullable: true };
    }
  }
  return out;
}

/**
 * The JSON Schema a response is serialized with, from the route's zod response schema: its output
 * type, every reused part inlined. Objects list their properties with `additionalProperties: false`,
 * so a field the schema does not name never leaves the server.
 */
export function serializationSchema(schema: z.ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, { io: 'output', target: 'draft-7', unrepresentable: 'any', metadata: z.registry(), reused: 'inline' });
  return simplify(json as JsonSchema);
}

/**
 * A body the database already rendered as its response schema's JSON (see jsonSelect): the
 * serializer writes it as is. `version` is the object's version, for its ETag.
 */
export class RawJson {
  /** Its ETag once etagOf computed it: a cached rendering is not hashed again. */
  etag?: string;

  constructor(
    readonly text: string,
    readonly version?: number,
  ) {}
}

/** Lets a handler return a RawJson where its route's response type is expected. */
export const asRendered = <T>(raw: RawJson): T => raw as unknown as T;

export interface SerializerOptions {
  /**
   * Also check every response against its zod schema and require the bytes sent to equal
   * JSON.stringify of the schema-parsed value; a mismatch fails the request. For tests: it costs
   * what the compiled serializer saves.
   */
  verify?: boolean;
}

/**
 * Responses are written by fast-json-stringify, compiled once per response schema from the same
 * zod schema that types the handler and documents the route. Schemas shared by many routes (the
 * problem body) are compiled once. The server compiles each on its first use: compiling them all
 * at start (some two hundred, most of them problem responses that are sent another way) cost about
 * a quarter of a second of every cold start. Tests (`verify`) compile them all up front, so that a
 * schema fast-json-stringify cannot compile fails at build.
 */
export function responseSerializerCompiler({ verify = false }: SerializerOptions = {}): FastifySerializerCompiler<z.ZodType> {
  const compiled = new WeakMap<z.ZodType, (data: unknown) => string>();
  const compile = (schema: z.ZodType) => {
    let serialize = compiled.get(schema);
    if (!serialize) {
      serialize = fastJson(serializationSchema(schema) as unknown as Parameters<typeof fastJson>[0]) as (data: unknown) => string;
      compiled.set(schema, serialize);
    }
    return serialize;
  };
  return ({ schema, method, url, httpStatus }) => {
    if (!verify) {
      let fast: ((data: unknown) => string) | undefined;
      return (data: unknown) => (data instanceof RawJson ? data.text : (fast ??= compile(schema))(data));
    }
    const fast = compile(schema);
    return (data: unknown) => {
      const sent = data instanceof RawJson ? data.text : fast(data);
      const value = data instanceof RawJson ? JSON.parse(data.text) : data;
      const parsed = z.safeEncode(schema, value);
      if (!parsed.success) {
        throw new Error(`The ${httpStatus} response of ${method} ${url} does not match its schema: ${z.prettifyError(parsed.error)}`);
      }
      const expected = JSON.stringify(parsed.data);
      if (sent !== expected) throw new Error(`The ${httpStatus} response of ${method} ${url} was serialized as ${sent}, its schema gives ${expected}`);
      return sent;
    };
  };
}
