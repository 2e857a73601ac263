import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, type TestApp } from '../../helpers/app';
import { expectProblem } from '../../helpers/problems';

let t: TestApp;
beforeAll(async () => {
  t = await makeApp();
});
afterAll(() => t.close());

describe('health', () => {
  it('answers /healthz and /readyz without a key', async () => {
    for (const url of ['/healthz', '/readyz']) {
      const res = await t.call({ method: 'GET', url, key: null });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: 'ok' });
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('reports not ready when the database is closed', async () => {
    const other = await makeApp();
    other.db.$client.close();
    const res = await other.app.inject({ method: 'GET', url: '/readyz' });
    const problem = expectProblem(res, 503, 'not_ready');
    expect(problem.detail).toMatch(/the database does not answer/);
    expect(problem.detail).not.toMatch(/not open|sqlite/i);
    expect(res.headers['retry-after']).toBe('5');
    await other.app.close();
  });
});
