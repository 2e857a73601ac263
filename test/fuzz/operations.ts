/**
 * The operations of the served OpenAPI document, with every `$ref` resolved: what the fuzzer
 * generates requests from. Reading the document (not a hand-kept list) means a new route is
 * fuzzed the day it is added.
 */

/** The subset of JSON Schema (OpenAPI 3.0 dialect) the request schemas use. */
export interface JsonSchema {
  $ref?: string;
  type?: 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'object';
  nullable?: boolean;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number | boolean;
  exclusiveMaximum?: number | boolean;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  example?: unknown;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: JsonSchema;
}

export interface Operation {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The path template, e.g. `/v1/iterations/{id}/metrics/{metric_key}`. */
  path: string;
  operationId: string;
  parameters: Parameter[];
  body?: { required: boolean; contentTypes: string[]; schema: JsonSchema };
}

interface DocumentOperation {
  operationId?: string;
  parameters?: Array<Parameter | { $ref: string }>;
  requestBody?: { required?: boolean; content: Record<string, { schema: JsonSchema }> };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** Replaces every `$ref` with what it names (request schemas are not recursive). */
function resolve<T>(document: unknown, value: T, seen: string[] = []): T {
  if (Array.isArray(value)) return value.map((v) => resolve(document, v, seen)) as T;
  if (value === null || typeof value !== 'object') return value;
  const ref = (value as { $ref?: unknown }).$ref;
  if (typeof ref === 'string') {
    if (seen.includes(ref)) throw new Error(`Recursive $ref ${ref}: the fuzzer expects finite request schemas`);
    const target = ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<unknown>((node, part) => (node as Record<string, unknown>)[part.replaceAll('~1', '/').replaceAll('~0', '~')], document);
    return resolve(document, target as T, [...seen, ref]);
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(document, v, seen)])) as T;
}

export function operationsOf(document: unknown): Operation[] {
  const paths = (document as { paths: Record<string, Record<string, DocumentOperation>> }).paths;
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const resolved = resolve(document, op);
      const body = resolved.requestBody;
      operations.push({
        method: method.toUpperCase() as Operation['method'],
        path,
        operationId: resolved.operationId ?? `${method} ${path}`,
        parameters: (resolved.parameters ?? []) as Parameter[],
        ...(body
          ? {
              body: {
                required: body.required === true,
                contentTypes: Object.keys(body.content),
                // Every content type of a body shares one schema (NDJSON and CSV carry the JSON rows).
                schema: Object.values(body.content)[0]?.schema ?? {},
              },
            }
          : {}),
      });
    }
  }
  return operations;
}
