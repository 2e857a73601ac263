import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import standaloneCode from 'ajv/dist/standalone/index.js';

/**
 * The served OpenAPI document, prepared for the contract check: the index of its operations and
 * the response schemas compiled once per run (ajv standalone code), so each test worker loads
 * ready validators instead of compiling the document again.
 */

/** Per media type, the name of its validator in the compiled module; null when it has no schema. */
export type MediaValidators = Record<string, string | null>;

export interface ContractOperation {
  operationId: string;
  method: string;
  /** The OpenAPI path template: `/v1/teams/{id}`. */
  path: string;
  /** Every documented status (`'200'`, `'404'`) with its media types. */
  responses: Record<string, MediaValidators>;
}

export interface ContractIndex {
  operations: ContractOperation[];
  /** The validator of the Problem component: errors of requests no operation answers are still problems. */
  problem: string;
}

type Node = Record<string, unknown>;
interface Document {
  paths: Record<string, Record<string, { operationId?: string; responses?: Record<string, { content?: Record<string, { schema?: Node }> }> }>>;
  components?: Node;
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch']);
const DOCUMENT_ID = 'openapi';

/**
 * OpenAPI 3.0 schema objects as JSON Schema for ajv: references point into the document's
 * components, the boolean exclusiveMinimum/Maximum become numbers, and `nullable` beside an
 * allOf (no `type` of its own, which ajv's nullable needs) becomes an anyOf with null, the
 * reading the generator intends and clients apply.
 */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (node === null || typeof node !== 'object') return node;
  let out: Node = {};
  for (const [key, value] of Object.entries(node as Node)) {
    out[key] = key === '$ref' && typeof value === 'string' && value.startsWith('#/') ? `${DOCUMENT_ID}${value}` : toJsonSchema(value);
  }
  for (const [flag, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (out[flag] === true) {
      out[flag] = out[bound];
      delete out[bound];
    } else if (out[flag] === false) delete out[flag];
  }
  if (out.nullable === true && out.type === undefined) {
    const { nullable: _nullable, description: _description, ...rest } = out;
    out = { anyOf: [rest, { type: 'null' }] };
  }
  return out;
}

/** Indexes the document's operations and compiles every distinct response schema into one module. */
export function compileContract(document: Document): { index: ContractIndex; code: string } {
  const ajv = new Ajv({ strict: false, inlineRefs: false, code: { source: true } });
  addFormats(ajv);
  ajv.addSchema({ $id: DOCUMENT_ID, components: toJsonSchema(document.components ?? {}) });
  const names = new Map<string, string>();
  const validatorOf = (schema: Node): string => {
    const text = JSON.stringify(schema);
    let name = names.get(text);
    if (!name) {
      name = `v${names.size}`;
      names.set(text, name);
      ajv.addSchema({ ...(toJsonSchema(schema) as Node), $id: name });
    }
    return name;
  };
  const operations: ContractOperation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!METHODS.has(method) || !op.operationId) continue;
      const responses: Record<string, MediaValidators> = {};
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        responses[status] = Object.fromEntries(
          Object.entries(response.content ?? {}).map(([media, { schema }]) => [media, schema ? validatorOf(schema) : null]),
        );
      }
      operations.push({ operationId: op.operationId, method: method.toUpperCase(), path, responses });
    }
  }
  const problem = validatorOf({ $ref: '#/components/schemas/Problem' });
  const exported = Object.fromEntries([...names.values()].map((name) => [name, name]));
  // The module is written outside the project: its requires of ajv's runtime become absolute paths.
  const require = createRequire(import.meta.url);
  const code = standaloneCode(ajv, exported).replace(/require\("([^"]+)"\)/g, (_m, id: string) => `require(${JSON.stringify(require.resolve(id))})`);
  return { index: { operations, problem }, code };
}
