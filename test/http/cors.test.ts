import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { makeApp, type TestApp } from '../helpers/app';
import { expectProblem } from '../helpers/problems';

/** CORS_ORIGINS lets pages of those origins call the API from a browser; without it, no CORS headers at all. */

const APP = 'https://app.example.com';
const preflight = (url: string, method: string, origin = APP, requestHeaders = 'authorization, content-type') => ({
  method: 'OPTIONS' as const,
  url,
  key: null,
  headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': requestHeaders },
});
const list = (value: unknown) => String(value ?? '').split(/,\s*/).map((s) => s.toLowerCase());

describe('with CORS_ORIGINS set', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeApp({ CORS_ORIGINS: `${APP}, https://bi.example.com` });
  });
  afterAll(() => t.close());

  it('answers a preflight on any path with 204, no key needed, allowing the methods and headers clients send', async () => {
    for (const [url, method] of [
      ['/v1/initiatives/lead-scoring', 'PATCH'],
      ['/v1/measurements', 'POST'],
      ['/v1/iterations/it_1/retrospective', 'PUT'],
      ['/v1/initiatives/lead-scoring', 'DELETE'],
    ] as const) {
      const res = await t.call(preflight(url, method, APP, 'authorization, content-type, if-match, idempotency-key'));
      expect(res.statusCode, url).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe(APP);
      expect(list(res.headers['access-control-allow-methods'])).toContain(method.toLowerCase());
      expect(list(res.headers['access-control-allow-headers'])).toEqual(
        expect.arrayContaining(['authorization', 'content-type', 'accept', 'if-match', 'if-none-match', 'idempotency-key']),
      );
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
      expect(Number(res.headers['access-control-max-age'])).toBeGreaterThan(0);
    }
  });

  it('lets an allowed page read answers, problems included, and the headers that carry meaning', async () => {
    const read = await t.call({ method: 'GET', url: '/v1/teams', headers: { origin: 'https://bi.example.com' } });
    expect(read.statusCode).toBe(200);
    expect(read.headers['access-control-allow-origin']).toBe('https://bi.example.com');
    expect(list(read.headers.vary)).toContain('origin');
    expect(list(read.headers['access-control-expose-headers'])).toEqual(
      expect.arrayContaining(['etag', 'link', 'location', 'x-request-id', 'retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']),
    );
    const keyless = await t.call({ method: 'GET', url: '/v1/teams', key: null, headers: { origin: APP } });
    expectProblem(keyless, 401, 'unauthorized');
    expect(keyless.headers['access-control-allow-origin']).toBe(APP);
  });

  it('gives another origin no Access-Control-Allow-Origin, so its browser keeps the answer from it', async () => {
    const res = await t.call({ method: 'GET', url: '/v1/teams', headers: { origin: 'https://evil.example.com' } });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const pre = await t.call(preflight('/v1/teams', 'POST', 'https://evil.example.com'));
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('CORS_ORIGINS', () => {
  it('is off by default: no CORS headers, and OPTIONS is a 404 problem', async () => {
    const t = await makeApp();
    try {
      const res = await t.call({ method: 'GET', url: '/v1/teams', headers: { origin: APP } });
      expect(res.statusCode).toBe(200);
      expect(Object.keys(res.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
      expectProblem(await t.call(preflight('/v1/teams', 'POST')), 404, 'route_not_found');
    } finally {
      await t.close();
    }
  });

  it('takes * for any origin', async () => {
    const t = await makeApp({ CORS_ORIGINS: '*' });
    try {
      const res = await t.call({ method: 'GET', url: '/v1/teams', headers: { origin: 'https://anywhere.example' } });
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect((await t.call(preflight('/v1/teams', 'POST', 'https://anywhere.example'))).statusCode).toBe(204);
    } finally {
      await t.close();
    }
  });

  it('refuses at start what is not an origin, naming the setting', () => {
    expect(loadConfig({ CORS_ORIGINS: `${APP},*` }).CORS_ORIGINS).toEqual([APP, '*']);
    for (const bad of ['https://app.example.com/', 'https://app.example.com/path', 'app.example.com', 'ftp://files.example.com']) {
      expect(() => loadConfig({ CORS_ORIGINS: bad }), bad).toThrow(/CORS_ORIGINS/);
    }
  });
});
