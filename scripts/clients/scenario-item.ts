/**
 * Turns a scenario step into a Postman request item, built from the OpenAPI operation it names:
 * method and path come from the document, path parameters must match the template, the expected
 * status must be a documented response, and the body must satisfy the operation's request schema.
 * A renamed operation, path, parameter or field therefore fails generation instead of leaving a
 * collection that only fails when someone runs it.
 */
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { OpenAPI3 } from 'openapi-typescript';
import { stableId, type PostmanEvent, type PostmanItem } from './postman-types';

// ajv-formats is CommonJS; under ESM its function is the default export's `default`.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

export interface ScenarioStep {
  name: string;
  operationId: string;
  /** Whose key sends it: the collection's `apiKey` (an admin key), or the editor key made in the run. */
  as: 'admin' | 'editor';
  path?: Record<string, string>;
  headers?: Record<string, string>;
  body?: unknown;
  status: number;
  /** Runs before the request (Postman pre-request script lines). */
  prerequest?: string[];
  /** Named assertions on `body` (the parsed JSON response): test name -> script lines. */
  checks?: Record<string, string[]>;
  /** Collection variables to set from the response: name -> expression (`body.id`, `etag`). */
  keep?: Record<string, string>;
}

interface Operation {
  method: string;
  path: string;
  op: { operationId?: string; responses?: Record<string, unknown>; requestBody?: { content?: Record<string, unknown> } };
}

/** Stands in for `{{variables}}` when a body is validated: a run id keeps keys valid, the rest are ids. */
const sampleOf = (name: string): string => (name === 'run' ? 'k0run' : 'sample_id');

const fillSamples = (value: unknown): unknown =>
  JSON.parse(JSON.stringify(value), (_k, v: unknown) => (typeof v === 'string' ? v.replace(/\{\{(\w+)\}\}/g, (_m, n: string) => sampleOf(n)) : v));

const pointerTo = (...segments: string[]): string =>
  segments.map((s) => encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');

export class ScenarioBuilder {
  private readonly operations = new Map<string, Operation>();
  private readonly ajv = new Ajv({ strict: false, allErrors: true });

  constructor(doc: OpenAPI3) {
    for (const [path, item] of Object.entries(doc.paths ?? {})) {
      for (const [method, op] of Object.entries(item as Record<string, Operation['op']>)) {
        if (op?.operationId) this.operations.set(op.operationId, { method: method.toUpperCase(), path, op });
      }
    }
    addFormats(this.ajv);
    this.ajv.addSchema(doc as object, 'doc');
  }

  item(step: ScenarioStep): PostmanItem {
    const found = this.operations.get(step.operationId);
    if (!found) throw new Error(`Scenario step "${step.name}": the document has no operation ${step.operationId}`);
    const { method, path, op } = found;
    const fail = (why: string): never => {
      throw new Error(`Scenario step "${step.name}" (${step.operationId}, ${method} ${path}): ${why}`);
    };
    if (!op.responses?.[String(step.status)]) fail(`${step.status} is not a documented response`);

    const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
    const given = Object.keys(step.path ?? {});
    if (params.join() !== given.join()) fail(`path parameters are {${params.join(', ')}}, the step gives {${given.join(', ')}}`);
    const segments = path
      .split('/')
      .filter(Boolean)
      .map((s) => s.replace(/\{(\w+)\}/g, (_m, n: string) => step.path?.[n] ?? ''));

    if (step.body !== undefined) this.validateBody(step, found, fail);

    const headers = { ...(step.body === undefined ? {} : { 'Content-Type': 'application/json' }), ...step.headers };
    const id = stableId(`scenario:${step.name}`);
    return {
      id,
      name: step.name,
      request: {
        method,
        header: Object.entries(headers).map(([key, value]) => ({ key, value })),
        url: { raw: `{{baseUrl}}/${segments.join('/')}`, host: ['{{baseUrl}}'], path: segments },
        ...(step.body === undefined
          ? {}
          : { body: { mode: 'raw', raw: JSON.stringify(step.body, null, 2), options: { raw: { language: 'json' } } } }),
        ...(step.as === 'editor' ? { auth: { type: 'bearer', bearer: [{ key: 'token', value: '{{editor_key}}', type: 'string' }] } } : {}),
      },
      event: [...(step.prerequest ? [script(id, 'prerequest', step.prerequest)] : []), script(id, 'test', testScript(step))],
      response: [],
    };
  }

  private validateBody(step: ScenarioStep, { method, path, op }: Operation, fail: (why: string) => never): void {
    if (!op.requestBody?.content?.['application/json']) fail('the operation takes no JSON body');
    const ref = `doc#/${pointerTo('paths', path, method.toLowerCase(), 'requestBody', 'content', 'application/json', 'schema')}`;
    const validate = this.ajv.compile({ $ref: ref });
    if (!validate(fillSamples(step.body))) fail(`the body does not match the request schema: ${this.ajv.errorsText(validate.errors)}`);
  }
}

const script = (itemId: string, listen: PostmanEvent['listen'], exec: string[]): PostmanEvent => ({
  listen,
  script: { id: stableId(`${itemId}:${listen}`), type: 'text/javascript', exec },
});

function testScript(step: ScenarioStep): string[] {
  const lines = [
    `pm.test(${JSON.stringify(`${step.name}: ${step.status}`)}, function () {`,
    `  pm.response.to.have.status(${step.status});`,
    '});',
  ];
  if (!step.checks && !step.keep) return lines;
  lines.push('const body = pm.response.json();', "const etag = pm.response.headers.get('ETag');");
  for (const [name, check] of Object.entries(step.checks ?? {})) {
    lines.push(`pm.test(${JSON.stringify(name)}, function () {`, ...check.map((l) => `  ${l}`), '});');
  }
  for (const [name, expr] of Object.entries(step.keep ?? {})) lines.push(`pm.collectionVariables.set(${JSON.stringify(name)}, ${expr});`);
  return lines;
}
