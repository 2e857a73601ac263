import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { makeApp, type TestApp } from '../helpers/app';
import { expectProblem } from '../helpers/problems';

/** helmet's secure headers on every response; /docs keeps working under its own Content-Security-Policy. */

let t: TestApp;
beforeAll(async () => {
  t = await makeApp();
});
afterAll(() => t.close());

const expectSecureHeaders = (res: LightMyRequestResponse, what: string) => {
  expect(res.headers, what).toMatchObject({
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'strict-transport-security': expect.stringMatching(/^max-age=\d+/),
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'x-permitted-cross-domain-policies': 'none',
  });
  expect(res.headers['content-security-policy'], what).toBeDefined();
};

/** The directives of a Content-Security-Policy header, by name. */
const directives = (res: LightMyRequestResponse): Record<string, string[]> =>
  Object.fromEntries(
    String(res.headers['content-security-policy'])
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name, ...values]) => [name, values]),
  );

describe('secure headers', () => {
  it('JSON answers and problems alike carry them, with a policy that lets nothing load or frame them', async () => {
    const answers: Array<[string, LightMyRequestResponse]> = [
      ['a JSON read', await t.call({ method: 'GET', url: '/v1/teams' })],
      ['a 401', await t.call({ method: 'GET', url: '/v1/teams', key: null })],
      ['a 404 route', await t.call({ method: 'GET', url: '/v1/nothing' })],
      ['a 400', await t.call({ method: 'POST', url: '/v1/teams', payload: { key: 'x' } })],
      ['a probe', await t.call({ method: 'GET', url: '/healthz', key: null })],
      ['the document', await t.call({ method: 'GET', url: '/openapi.json', key: null })],
    ];
    expect(answers[0]?.[1].statusCode).toBe(200);
    expectProblem(answers[1]![1], 401, 'unauthorized');
    for (const [what, res] of answers) {
      expectSecureHeaders(res, what);
      expect(directives(res), what).toEqual({ 'default-src': ["'none'"], 'frame-ancestors': ["'none'"] });
    }
  });
});

describe('/docs under its Content-Security-Policy', () => {
  it('serves a page whose scripts and styles all come from /docs/static, allowed by its policy', async () => {
    for (const url of ['/docs', '/docs/']) {
      const page = await t.call({ method: 'GET', url, key: null });
      expect(page.statusCode, url).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expectSecureHeaders(page, url);
      const csp = directives(page);
      // Scripts only from this origin, and the page has no inline script for 'self' to miss.
      expect(csp['script-src']).toEqual(["'self'"]);
      expect(csp['style-src']).toEqual(["'self'", "'unsafe-inline'"]);
      expect(csp['img-src']).toEqual(["'self'", 'data:']);
      expect(csp).not.toHaveProperty('upgrade-insecure-requests');
      const scripts = [...page.body.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
      expect(scripts.length).toBeGreaterThanOrEqual(3);
      for (const [, attributes, inline] of scripts) {
        expect(attributes).toMatch(/\bsrc="/);
        expect(inline?.trim()).toBe('');
      }
      expect(page.body).not.toMatch(/<style\b|\son[a-z]+="/i);

      // Every asset the page names is served from this origin, under the same policy.
      const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
      expect(assets.length).toBeGreaterThanOrEqual(5);
      for (const asset of assets) {
        expect(asset, url).not.toMatch(/^[a-z]+:|^\/\//i);
        const resolved = new URL(asset, `http://localhost${url}`).pathname;
        const res = await t.call({ method: 'GET', url: resolved, key: null });
        expect(res.statusCode, resolved).toBe(200);
        expect(directives(res)['script-src'], resolved).toEqual(["'self'"]);
      }
    }
  });

  it('points swagger-ui at the document on this origin, without the external validator', async () => {
    const init = await t.call({ method: 'GET', url: '/docs/static/swagger-initializer.js', key: null });
    expect(init.body).toContain("url: resolveUrl('./json')");
    expect(init.body).toContain('"validatorUrl":null');
    const json = await t.call({ method: 'GET', url: '/docs/json', key: null });
    expect(json.statusCode).toBe(200);
    expect(json.json()).toMatchObject({ openapi: '3.0.3' });
  });
});
