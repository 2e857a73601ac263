import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { makeApp, type TestApp } from '../helpers/app';
import { createInitiative, createIteration } from '../helpers/factories';
import { judge, loadContract, type Contract, type SentResponse } from './recorder';

/** The contract check itself: what it accepts and what it holds against a response. */

let contract: Contract;
let t: TestApp;
let iteration: SentResponse;
beforeAll(async () => {
  contract = loadContract(inject('contractDir'));
  t = await makeApp();
  const { id } = await createIteration(t, (await createInitiative(t)).id);
  const res = await t.call({ method: 'GET', url: `/v1/iterations/${id}` });
  expect(res.statusCode).toBe(200);
  iteration = { method: 'GET', path: `/v1/iterations/${id}`, operationId: 'getIteration', status: 200, contentType: String(res.headers['content-type']), body: res.rawPayload };
});
afterAll(() => t.close());

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const problem = (status: number, code: string) =>
  json({ type: `https://roadworks.dev/problems/${code}`, title: 'Title', status, detail: 'What to change', code, request_id: 'r1' });

describe('the contract check', () => {
  it('accepts a documented response whose body matches its schema, nullable enums included', () => {
    expect((JSON.parse(iteration.body.toString()) as { decision: unknown }).decision).toBeNull();
    expect(judge(contract, iteration)).toEqual({ pair: 'getIteration 200', documented: true, violations: [] });
  });

  it('names the operation, the status and the field when a body breaks its schema', () => {
    const body = json({ ...JSON.parse(iteration.body.toString()), decision: 'maybe' });
    const verdict = judge(contract, { ...iteration, body });
    expect(verdict.violations).toHaveLength(1);
    expect(verdict.violations[0]).toMatch(/getIteration: GET \/v1\/iterations\/\{id\}\).*\/decision must be equal to one of the allowed values/);
  });

  it('refuses a field the schema does not list, and a body that is not JSON', () => {
    const extra = json({ ...JSON.parse(iteration.body.toString()), secret_hash: 'x' });
    expect(judge(contract, { ...iteration, body: extra }).violations[0]).toMatch(/must NOT have additional properties/);
    expect(judge(contract, { ...iteration, body: Buffer.from('{"id":') }).violations[0]).toMatch(/not JSON/);
  });

  it('holds an undocumented status against the operation', () => {
    const verdict = judge(contract, { ...iteration, status: 418, contentType: 'application/problem+json', body: problem(418, 'conflict') });
    expect(verdict).toMatchObject({ pair: 'getIteration 418', documented: false });
    expect(verdict.violations[0]).toMatch(/status 418 is not documented \(documented: 200, 304, 400, 401, 404, 406, 429, 503\)/);
  });

  it('holds an undocumented content type against a documented status', () => {
    expect(judge(contract, { ...iteration, contentType: 'text/csv; charset=utf-8' }).violations[0]).toMatch(/content type 'text\/csv; charset=utf-8' is not documented/);
  });

  it('wants no body where the document shows none', () => {
    const notModified = { ...iteration, status: 304, contentType: '', body: Buffer.alloc(0) };
    expect(judge(contract, notModified).violations).toEqual([]);
    expect(judge(contract, { ...notModified, body: Buffer.from('{}') }).violations[0]).toMatch(/documents no body, but 2 bytes were sent/);
  });

  it('wants a problem for every error of a request no operation answers', () => {
    const unknown = { method: 'GET', path: '/v2/nothing', status: 404, contentType: 'application/problem+json; charset=utf-8' };
    expect(judge(contract, { ...unknown, body: problem(404, 'route_not_found') }).violations).toEqual([]);
    expect(judge(contract, { ...unknown, body: json({ error: 'not found' }) }).violations[0]).toMatch(/must have required property/);
    expect(judge(contract, { ...unknown, contentType: 'text/html', body: Buffer.from('<h1>404</h1>') }).violations[0]).toMatch(/not application\/problem\+json/);
  });
});
