import { afterEach, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { makeApp, type TestApp } from '../helpers/app';
import { createKey } from '../helpers/factories';
import { expectProblem } from '../helpers/problems';

/** Each API key gets RATE_LIMIT_MAX requests per window; public routes and keyless requests are not counted. */

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const limitHeaders = (res: LightMyRequestResponse) => ({
  limit: res.headers['x-ratelimit-limit'],
  remaining: res.headers['x-ratelimit-remaining'],
});

describe('the rate limit of a key', () => {
  it('counts each request of a key, then answers 429 rate_limited with Retry-After, and writes nothing', async () => {
    t = await makeApp({ RATE_LIMIT_MAX: '3' });
    const viewer = await createKey(t, 'viewer'); // the admin key's first request
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await t.call({ method: 'GET', url: '/v1/teams', key: viewer.secret }));
    expect(answers.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect(answers.map(limitHeaders)).toEqual([
      { limit: '3', remaining: '2' },
      { limit: '3', remaining: '1' },
      { limit: '3', remaining: '0' },
    ]);
    const reset = Number(answers[2]?.headers['x-ratelimit-reset']);
    expect(reset).toBeGreaterThan(0);
    expect(reset).toBeLessThanOrEqual(60);

    const refused = await t.call({ method: 'GET', url: '/v1/teams', key: viewer.secret });
    const problem = expectProblem(refused, 429, 'rate_limited');
    expect(problem.detail).toMatch(/more than 3 requests within a minute; retry in/);
    expect(limitHeaders(refused)).toEqual({ limit: '3', remaining: '0' });
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);

    // The admin key has its own count: two requests left, then a write is refused before it runs.
    expect((await t.call({ method: 'GET', url: '/v1/teams' })).headers['x-ratelimit-remaining']).toBe('1');
    expect((await t.call({ method: 'GET', url: '/v1/themes' })).statusCode).toBe(200);
    expectProblem(await t.call({ method: 'POST', url: '/v1/teams', payload: { key: 'late-team', name: 'Late' } }), 429, 'rate_limited');
    expect(t.db.$client.prepare("SELECT count(*) AS n FROM teams WHERE key = 'late-team'").get()).toEqual({ n: 0 });
  });

  it('does not count or limit public routes, nor requests without a valid key', async () => {
    t = await makeApp({ RATE_LIMIT_MAX: '1' });
    for (let i = 0; i < 3; i++) {
      for (const url of ['/healthz', '/readyz', '/openapi.json', '/docs/static/swagger-initializer.js']) {
        const res = await t.call({ method: 'GET', url, key: null });
        expect(res.statusCode, url).toBe(200);
        expect(res.headers['x-ratelimit-limit'], url).toBeUndefined();
      }
      expectProblem(await t.call({ method: 'GET', url: '/v1/teams', key: null }), 401, 'unauthorized');
      expectProblem(await t.call({ method: 'GET', url: '/v1/teams', key: 'rw_not_a_key_at_all_0123456789abcdef' }), 401, 'unauthorized');
    }
    const first = await t.call({ method: 'GET', url: '/v1/teams' });
    expect(first.statusCode).toBe(200);
    expect(limitHeaders(first)).toEqual({ limit: '1', remaining: '0' });
    expectProblem(await t.call({ method: 'GET', url: '/v1/teams' }), 429, 'rate_limited');
  });

  it('starts a new count when the window ends', async () => {
    t = await makeApp({ RATE_LIMIT_MAX: '1', RATE_LIMIT_WINDOW_MS: '1000' });
    expect((await t.call({ method: 'GET', url: '/v1/teams' })).statusCode).toBe(200);
    const refused = await t.call({ method: 'GET', url: '/v1/teams' });
    expectProblem(refused, 429, 'rate_limited');
    expect(refused.headers['retry-after']).toBe('1');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await t.call({ method: 'GET', url: '/v1/teams' })).statusCode).toBe(200);
  });

  it('is off with RATE_LIMIT_MAX=0, and on by default at 6000 per minute', async () => {
    t = await makeApp({ RATE_LIMIT_MAX: '0' });
    expect((await t.call({ method: 'GET', url: '/v1/teams' })).headers['x-ratelimit-limit']).toBeUndefined();
    await t.close();
    t = await makeApp();
    const res = await t.call({ method: 'GET', url: '/v1/teams' });
    expect(limitHeaders(res)).toEqual({ limit: '6000', remaining: '5999' });
  });
});
