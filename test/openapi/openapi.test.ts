import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import SwaggerParser from '@apidevtools/swagger-parser';
import { makeApp, type TestApp } from '../helpers/app';

interface Operation {
  operationId?: string;
  tags?: string[];
  summary?: string;
  responses?: Record<string, unknown>;
}
interface Doc {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace']);

let t: TestApp;
let doc: Doc;
beforeAll(async () => {
  t = await makeApp();
  const res = await t.call({ method: 'GET', url: '/openapi.json', key: null });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  doc = res.json();
});
afterAll(() => t.close());

const operations = () =>
  Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.has(method))
      .map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, path, op })),
  );

describe('GET /openapi.json', () => {
  it('is a valid OpenAPI 3.0.3 document, served without a key', async () => {
    expect(doc.openapi).toBe('3.0.3');
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();
  });

  it('gives every operation a unique operationId, tags and a summary', () => {
    const ops = operations();
    expect(ops.length).toBeGreaterThan(10);
    for (const { name, op } of ops) {
      expect(op.operationId, name).toMatch(/^[a-z][A-Za-z]+$/);
      expect(op.tags?.length, name).toBeGreaterThan(0);
      expect(op.summary?.trim().length, name).toBeGreaterThan(0);
    }
    const ids = ops.map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('documents 400 and 401 problems on every /v1 operation', () => {
    const v1 = operations().filter(({ path }) => path.startsWith('/v1/'));
    expect(v1.length).toBeGreaterThan(0);
    for (const { name, op } of v1) {
      for (const status of ['400', '401']) {
        expect(op.responses, `${name} ${status}`).toHaveProperty(status);
        expect(op.responses?.[status], `${name} ${status}`).toHaveProperty(['content', 'application/problem+json']);
      }
    }
  });

  it('does not document the documentation routes themselves', () => {
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/docs') || p === '/openapi.json')).toEqual([]);
  });

  it('equals the committed openapi/openapi.json (run `npm run openapi:export` after changing routes)', () => {
    const committed: unknown = JSON.parse(readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8'));
    expect(doc).toEqual(committed);
  });
});
