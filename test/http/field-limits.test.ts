import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, type TestApp } from '../helpers/app';
import { createInitiative, createTeam } from '../helpers/factories';
import { errorPaths, expectProblem } from '../helpers/problems';
import { ATTRIBUTES_MAX_BYTES, MAX_ITEMS, MAX_LENGTH } from '../../src/http/limits';

/** Every request value has a documented maximum size, and a value over it is a 400 naming the field. */

interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  maxLength?: number;
  maxItems?: number;
  maxProperties?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
}
interface Parameter {
  $ref?: string;
  name: string;
  in: string;
  schema?: Schema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}
interface Doc {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; parameters?: Record<string, Parameter> };
}

/** Formats whose values have a bounded length by themselves. */
const BOUNDED_FORMATS = new Set(['date', 'date-time', 'uuid', 'email']);

/** Each place in the request schemas of `doc` where a string, array or free-form object has no maximum. */
function unbounded(doc: Doc): string[] {
  const gaps: string[] = [];
  const walk = (schema: Schema | undefined, at: string, seen: ReadonlySet<string>): void => {
    if (!schema) return;
    if (schema.$ref) {
      const name = schema.$ref.split('/').pop() ?? '';
      if (!seen.has(name)) walk(doc.components.schemas[name], `${at}<${name}>`, new Set([...seen, name]));
      return;
    }
    for (const branch of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])]) walk(branch, at, seen);
    if (schema.type === 'string' && schema.enum === undefined && schema.maxLength === undefined && !BOUNDED_FORMATS.has(schema.format ?? '')) {
      gaps.push(`${at}: string without maxLength`);
    }
    if (schema.type === 'array') {
      if (schema.maxItems === undefined) gaps.push(`${at}: array without maxItems`);
      walk(schema.items, `${at}[]`, seen);
    }
    for (const [name, property] of Object.entries(schema.properties ?? {})) walk(property, `${at}.${name}`, seen);
    const extra = schema.additionalProperties;
    if (extra !== undefined && extra !== false) {
      if (schema.maxProperties === undefined) gaps.push(`${at}: object with additionalProperties without maxProperties`);
      if (typeof extra === 'object') walk(extra, `${at}.*`, seen);
    }
  };
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const name = `${method.toUpperCase()} ${path}`;
      for (const ref of op.parameters ?? []) {
        const parameter = ref.$ref ? doc.components.parameters?.[ref.$ref.split('/').pop() ?? ''] : ref;
        if (parameter) walk(parameter.schema, `${name} ${parameter.in}.${parameter.name}`, new Set());
      }
      for (const [type, content] of Object.entries(op.requestBody?.content ?? {})) walk(content.schema, `${name} body (${type})`, new Set());
    }
  }
  return gaps;
}

let t: TestApp;
let doc: Doc;
beforeAll(async () => {
  t = await makeApp();
  doc = (await t.call({ method: 'GET', url: '/openapi.json', key: null })).json();
});
afterAll(() => t.close());

describe('the OpenAPI document bounds every request value', () => {
  it('gives every request string a maxLength, every array a maxItems, every free-form object a maxProperties', () => {
    expect(Object.keys(doc.paths).length).toBeGreaterThan(20);
    expect(unbounded(doc)).toEqual([]);
  });

  it('the walk finds what it looks for (a document with gaps is reported)', () => {
    const gappy: Doc = {
      paths: {
        '/x': {
          post: {
            parameters: [{ name: 'q', in: 'query', schema: { type: 'string' } }],
            requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/X' } } } },
          },
        },
      },
      components: {
        schemas: {
          X: {
            type: 'object',
            properties: { tags: { type: 'array', items: { type: 'string', maxLength: 5 } }, attrs: { type: 'object', additionalProperties: { type: 'string' } } },
          },
        },
      },
    };
    expect(unbounded(gappy)).toEqual([
      'POST /x query.q: string without maxLength',
      'POST /x body (application/json)<X>.tags: array without maxItems',
      'POST /x body (application/json)<X>.attrs: object with additionalProperties without maxProperties',
      'POST /x body (application/json)<X>.attrs.*: string without maxLength',
    ]);
  });

  it('states the shared limits: attributes, tags, names and texts', () => {
    const body = doc.paths['/v1/initiatives']?.post?.requestBody?.content?.['application/json']?.schema;
    const schema = body?.$ref ? doc.components.schemas[body.$ref.split('/').pop() ?? ''] : body;
    const fields = schema?.properties ?? {};
    expect(fields.attributes).toMatchObject({ type: 'object', maxProperties: MAX_ITEMS.attributes });
    expect(fields.tags).toMatchObject({ type: 'array', maxItems: MAX_ITEMS.tags, items: { maxLength: MAX_LENGTH.tag } });
    expect(fields.title).toMatchObject({ maxLength: MAX_LENGTH.name });
    expect(fields.summary).toMatchObject({ maxLength: MAX_LENGTH.text });
  });
});

describe('a value over its limit is a 400 validation_failed naming the field', () => {
  const longer = (max: number) => 'x'.repeat(max + 1);

  it('attributes: one key too many, even when small', async () => {
    const attributes = Object.fromEntries(Array.from({ length: MAX_ITEMS.attributes + 1 }, (_, i) => [`a${i}`, i]));
    const team = await createTeam(t);
    const res = await t.call({ method: 'POST', url: '/v1/initiatives', payload: { key: 'too-many-attrs', title: 'x', team: team.key, attributes } });
    const problem = expectProblem(res, 400, 'validation_failed');
    expect(errorPaths(problem)).toEqual(['body.attributes']);
    expect(problem.errors?.[0]?.message).toContain(`at most ${MAX_ITEMS.attributes} attributes`);
    // The same number of attributes is accepted, up to the byte budget.
    expect(JSON.stringify(Object.fromEntries(Object.entries(attributes).slice(1))).length).toBeLessThan(ATTRIBUTES_MAX_BYTES);
    const ok = await t.call({
      method: 'POST',
      url: '/v1/initiatives',
      payload: { key: 'enough-attrs', title: 'x', team: team.key, attributes: Object.fromEntries(Object.entries(attributes).slice(1)) },
    });
    expect(ok.statusCode, ok.body).toBe(201);
  });

  it('an attribute value, a tag, the tag list and the title of an update', async () => {
    const initiative = await createInitiative(t);
    const res = await t.call({
      method: 'PATCH',
      url: `/v1/initiatives/${initiative.key}`,
      payload: {
        title: longer(MAX_LENGTH.name),
        attributes: { note: longer(MAX_LENGTH.point) },
        tags: Array.from({ length: MAX_ITEMS.tags + 1 }, (_, i) => `t${i}`),
      },
    });
    expect(errorPaths(expectProblem(res, 400, 'validation_failed')).sort()).toEqual(['body.attributes.note', 'body.tags', 'body.title']);
    const tag = await t.call({ method: 'PATCH', url: `/v1/initiatives/${initiative.key}`, payload: { tags: ['ok', longer(MAX_LENGTH.tag)] } });
    expect(errorPaths(expectProblem(tag, 400, 'validation_failed'))).toEqual(['body.tags.1']);
  });

  it('a text search and a version number in a path', async () => {
    expect(errorPaths(expectProblem(await t.call({ method: 'GET', url: `/v1/initiatives?q=${longer(MAX_LENGTH.search)}` }), 400, 'validation_failed'))).toEqual(['query.q']);
    const diff = await t.call({ method: 'GET', url: '/v1/initiatives/some-key/iterations/1/diff/1234567890' });
    expect(errorPaths(expectProblem(diff, 400, 'validation_failed'))).toContain('path.b');
  });

  it('a currency code of four letters', async () => {
    const res = await t.call({
      method: 'POST',
      url: '/v1/metrics',
      payload: { key: 'deal_size', name: 'Deal size', unit: 'currency', currency_code: 'EURO', direction: 'increase', aggregation: 'average' },
    });
    expect(errorPaths(expectProblem(res, 400, 'validation_failed'))).toEqual(['body.currency_code']);
  });
});
