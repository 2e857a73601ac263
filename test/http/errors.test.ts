import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InjectOptions } from 'fastify';
import { makeApp, type TestApp } from '../helpers/app';
import { createTeam } from '../helpers/factories';
import { errorPaths, expectProblem } from '../helpers/problems';

let t: TestApp;
beforeAll(async () => {
  t = await makeApp({ BODY_LIMIT_BYTES: '2048' });
});
afterAll(() => t.close());

const json = { 'content-type': 'application/json' };
const postTeam = (payload: string, headers: Record<string, string> = json) =>
  t.call({ method: 'POST', url: '/v1/teams', headers, payload });

describe('problem+json for every failure', () => {
  it('malformed JSON is 400 malformed_request and says why', async () => {
    const body = expectProblem(await postTeam('{"key": "abc", '), 400, 'malformed_request');
    expect(body.detail).toMatch(/not valid JSON/);
    expect(body.instance).toBe('/v1/teams');
  });

  it('a body that is not JSON is 415', async () => {
    const body = expectProblem(await postTeam('key=abc', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'unsupported_media_type');
    expect(body.detail).toMatch(/application\/json/);
    expectProblem(await postTeam('abc', { 'content-type': 'text/plain' }), 415, 'unsupported_media_type');
  });

  it('a body over BODY_LIMIT_BYTES is 413 and nothing is created', async () => {
    const key = 'too-big-team';
    const res = await postTeam(JSON.stringify({ key, name: 'x', description: 'y'.repeat(3000) }));
    expectProblem(res, 413, 'payload_too_large');
    expectProblem(await t.call({ method: 'GET', url: `/v1/teams/${key}` }), 404, 'not_found');
  });

  it('an unknown route is 404 route_not_found naming the method and path', async () => {
    const body = expectProblem(await t.call({ method: 'GET', url: '/v1/nothing-here?x=1' }), 404, 'route_not_found');
    expect(body.detail).toContain('GET /v1/nothing-here');
    expect(body.instance).toBe('/v1/nothing-here');
    expectProblem(await t.call({ method: 'PUT', url: '/v1/teams' }), 404, 'route_not_found');
  });

  it('an unknown query parameter is 400 with errors[].path query.<name>', async () => {
    const body = expectProblem(await t.call({ method: 'GET', url: '/v1/teams?foo=1' }), 400, 'validation_failed');
    expect(body.errors).toEqual([{ path: 'query.foo', message: expect.stringContaining("'foo'") }]);
  });

  it('body validation failures name each field', async () => {
    const unknownField = expectProblem(
      await t.call({ method: 'POST', url: '/v1/api-keys', payload: { name: 'x', role: 'viewer', key: 'k' } }),
      400,
      'validation_failed',
    );
    expect(errorPaths(unknownField)).toEqual(['body.key']);

    const badValues = expectProblem(
      await t.call({ method: 'POST', url: '/v1/teams', payload: { key: 'Not A Key', name: '' } }),
      400,
      'validation_failed',
    );
    expect(errorPaths(badValues).sort()).toEqual(['body.key', 'body.name']);
    const keyError = badValues.errors?.find((e) => e.path === 'body.key');
    expect(keyError?.message).toMatch(/lowercase/);
  });

  it('a cursor this API did not issue is 400 on query.cursor', async () => {
    for (const cursor of ['zzz', Buffer.from('{"a":1}').toString('base64url'), Buffer.from('[1,2]').toString('base64url')]) {
      const body = expectProblem(await t.call({ method: 'GET', url: `/v1/teams?cursor=${cursor}` }), 400, 'validation_failed');
      expect(errorPaths(body)).toEqual(['query.cursor']);
      expect(body.errors?.[0]?.message).toMatch(/next_cursor/);
    }
  });

  it('limit outside 1..500 or not a number is 400 on query.limit', async () => {
    for (const limit of ['0', '501', '-3', 'abc', '2.5']) {
      const body = expectProblem(await t.call({ method: 'GET', url: `/v1/teams?limit=${limit}` }), 400, 'validation_failed');
      expect(errorPaths(body)).toEqual(['query.limit']);
    }
    expect((await t.call({ method: 'GET', url: '/v1/teams?limit=500' })).statusCode).toBe(200);
    expect((await t.call({ method: 'GET', url: '/v1/teams?limit=1' })).statusCode).toBe(200);
  });

  it('prototype-poisoning keys are rejected, not silently dropped', async () => {
    for (const payload of ['{"__proto__":{}}', '{"key":"abc","name":"x","__proto__":{"admin":true}}', '{"constructor":{"prototype":{"x":1}}}']) {
      const body = expectProblem(await postTeam(payload), 400, 'malformed_request');
      expect(body.detail).toMatch(/prototype|forbidden/);
    }
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('an empty body on a route that needs one is 400 naming the body', async () => {
    const body = expectProblem(await postTeam(''), 400, 'validation_failed');
    expect(errorPaths(body)).toEqual(['body']);
    const noBody = expectProblem(await t.call({ method: 'POST', url: '/v1/api-keys' }), 400, 'validation_failed');
    expect(errorPaths(noBody)).toEqual(['body']);
  });

  it('a missing or unknown key is 401 with WWW-Authenticate', async () => {
    const unauth = await t.call({ method: 'GET', url: '/v1/teams', key: null });
    expectProblem(unauth, 401, 'unauthorized');
    expect(unauth.headers['www-authenticate']).toMatch(/^Bearer/);
    expectProblem(await t.call({ method: 'GET', url: '/v1/teams', key: 'rw_not_a_key' }), 401, 'unauthorized');
  });

  it('every response, success or failure, carries a unique X-Request-Id', async () => {
    const responses = await Promise.all([
      t.call({ method: 'GET', url: '/healthz', key: null }),
      t.call({ method: 'GET', url: '/v1/teams' }),
      t.call({ method: 'GET', url: '/v1/teams', key: null }),
      t.call({ method: 'GET', url: '/nope' }),
      postTeam('{'),
    ]);
    const ids = responses.map((r) => r.headers['x-request-id']);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('a well-formed request still works next to all this (the checks above can fail)', async () => {
    const team = await createTeam(t);
    expect((await t.call({ method: 'GET', url: `/v1/teams/${team.key}` })).statusCode).toBe(200);
  });

  it('a path with broken percent-encoding is a 400 problem with X-Request-Id', async () => {
    expectProblem(await t.call({ method: 'GET', url: '/v1/teams/%E0%A4%A' }), 400, 'malformed_request');
  });

  it('a path parameter longer than the router accepts is a 414 problem with X-Request-Id', async () => {
    const res = await t.call({ method: 'GET', url: `/v1/teams/${'a'.repeat(300)}` });
    expectProblem(res, 414, 'malformed_request');
  });
});

describe('text that cannot round-trip', () => {
  it('refuses a lone surrogate in a JSON string, and keeps real astral characters', async () => {
    const bad = expectProblem(await postTeam('{"key":"surrogate-x","name":"\\ud800x"}'), 400, 'malformed_request');
    expect(bad.detail).toContain('surrogate');
    const ok = await postTeam('{"key":"surrogate-ok","name":"\\ud83d\\ude00 team"}');
    expect(ok.statusCode).toBe(201);
    expect(ok.json().name).toBe('😀 team');
  });

  it('checks strings at every level, and refuses nesting deeper than any request needs, without blowing the stack', async () => {
    const roomy = await makeApp();
    try {
      const post = (payload: string) => roomy.call({ method: 'POST', url: '/v1/teams', headers: json, payload });
      const nested = `{"key":"deep-one","name":"x","description":${'['.repeat(30)}"\\ud800"${']'.repeat(30)}}`;
      expect(expectProblem(await post(nested), 400, 'malformed_request').detail).toContain('surrogate');
      const deep = `{"key":"deep-two","name":"x","description":${'['.repeat(3000)}"ok"${']'.repeat(3000)}}`;
      expect(expectProblem(await post(deep), 400, 'malformed_request').detail).toContain('more than 32 levels deep');
    } finally {
      await roomy.close();
    }
  });

  it('refuses control characters in a text search instead of matching everything', async () => {
    const res = await t.call({ method: 'GET', url: '/v1/initiatives?q=%00' });
    expect(expectProblem(res, 400, 'validation_failed').errors?.[0]?.path).toBe('query.q');
  });
});

describe('weird inputs never cause a 5xx', () => {
  const deepArray = `${'['.repeat(500)}${']'.repeat(500)}`;
  const deepObject = `${'{"a":'.repeat(300)}1${'}'.repeat(300)}`;
  const cases: Array<[string, InjectOptions]> = [
    ['deeply nested array body', { method: 'POST', url: '/v1/teams', headers: json, payload: deepArray }],
    ['deeply nested object body', { method: 'POST', url: '/v1/teams', headers: json, payload: deepObject }],
    ['nested "constructor" keys', { method: 'POST', url: '/v1/teams', headers: json, payload: `${'{"constructor":'.repeat(100)}1${'}'.repeat(100)}` }],
    ['huge string within the body limit', { method: 'POST', url: '/v1/teams', payload: { key: 'huge-string', name: 'n'.repeat(1900) } }],
    ['huge description within the body limit', { method: 'PATCH', url: '/v1/teams/nope', payload: { description: 'd'.repeat(1900) } }],
    ['wrong types', { method: 'POST', url: '/v1/teams', payload: { key: 12, name: { a: 1 }, description: [true] } }],
    ['null body', { method: 'POST', url: '/v1/teams', headers: json, payload: 'null' }],
    ['array instead of object', { method: 'POST', url: '/v1/api-keys', headers: json, payload: '[{"name":"x","role":"admin"}]' }],
    ['string body', { method: 'POST', url: '/v1/teams', headers: json, payload: '"team"' }],
    ['number body', { method: 'PATCH', url: '/v1/teams/x', headers: json, payload: '42' }],
    ['unicode keys', { method: 'POST', url: '/v1/teams', payload: { ключ: 1, '💥': 2, 'a\u0000b': 3 } }],
    ['unicode key value', { method: 'POST', url: '/v1/teams', payload: { key: 'ключ', name: '名前' } }],
    ['role outside the enum', { method: 'POST', url: '/v1/api-keys', payload: { name: 'x', role: 'root' } }],
    ['teams not an array', { method: 'POST', url: '/v1/api-keys', payload: { name: 'x', role: 'editor', teams: 'revops' } }],
    ['too many teams', { method: 'POST', url: '/v1/api-keys', payload: { name: 'x', role: 'editor', teams: Array.from({ length: 101 }, (_, i) => `t${i}`) } }],
    ['repeated query parameter', { method: 'GET', url: '/v1/teams?limit=1&limit=2' }],
    ['repeated cursor', { method: 'GET', url: '/v1/teams?cursor=a&cursor=b' }],
    ['cursor of the wrong type', { method: 'GET', url: `/v1/teams?cursor=${Buffer.from('[5]').toString('base64url')}` }],
    ['activity cursor of the wrong type', { method: 'GET', url: `/v1/activity?cursor=${Buffer.from('[5]').toString('base64url')}` }],
    ['api-key cursor of the wrong type', { method: 'GET', url: `/v1/api-keys?cursor=${Buffer.from('[true]').toString('base64url')}` }],
    ['bad timestamp filter', { method: 'GET', url: '/v1/activity?since=yesterday' }],
    ['revoked filter not a boolean', { method: 'GET', url: '/v1/api-keys?revoked=maybe' }],
    ['NUL byte in a path id', { method: 'GET', url: '/v1/teams/%00' }],
    ['very long id in the path', { method: 'GET', url: `/v1/teams/${'x'.repeat(150)}` }],
    ['DELETE with a malformed body', { method: 'DELETE', url: '/v1/teams/zz', headers: json, payload: '{bad' }],
    ['If-Match garbage', { method: 'PATCH', url: '/v1/teams/zz', headers: { 'if-match': '\u0001,,"' }, payload: {} }],
    ['Authorization without a secret', { method: 'GET', url: '/v1/teams', key: null, headers: { authorization: 'Bearer ' } } as InjectOptions],
    ['Authorization of another scheme', { method: 'GET', url: '/v1/teams', key: null, headers: { authorization: 'Basic YTpi' } } as InjectOptions],
    ['trailing slash and double slash', { method: 'GET', url: '//v1//teams/' }],
  ];

  it.each(cases)('%s', async (_name, opts) => {
    const res = await t.call(opts);
    expect(res.statusCode, res.body).toBeLessThan(500);
    expect(res.headers['x-request-id']).toBeTruthy();
    if (res.statusCode >= 400) expectProblem(res, res.statusCode, res.json().code);
  });
});
