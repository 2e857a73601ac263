import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeComponent, textExpression } from './encoding';
import { DuplicateKeys, jsonText, RawJson } from './json-text';
import { FuzzRequest } from './request';

/** What a failure report prints must send the very same bytes again. */
const evaluate = (expression: string): unknown => new Function(`return ${expression};`)();

describe('the fuzzer prints a failing request exactly', () => {
  it('as an expression that evaluates to the same text, huge runs and deep nesting folded', () => {
    const samples = ['', 'plain', 'a\uD800b', '😀'.repeat(100), `{"a":${'['.repeat(10_000)}1${']'.repeat(10_000)}}`, `x${'é'.repeat(1_000_000)}y`];
    for (const text of samples) expect(evaluate(textExpression(text))).toBe(text);
    expect(textExpression('y'.repeat(900_000))).toBe('"y".repeat(900000)');
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => evaluate(textExpression(text)) === text));
  });

  it('as the app.inject call, bytes in hex', () => {
    const request = new FuzzRequest('op', 'POST', '/v1/x', { 'content-type': 'text/csv' }, Buffer.from([0xff, 0x7b]));
    expect(request.describe()).toBe(`[op] app.inject({ method: "POST", url: "/v1/x", headers: { "content-type": "text/csv" }, payload: Buffer.from("ff7b", 'hex') })`);
  });
});

describe('what the fuzzer sends', () => {
  it('percent-encodes a lone surrogate as the bytes a broken client sends (not valid UTF-8)', () => {
    expect(encodeComponent('a\uD800/😀')).toBe('a%ED%A0%80%2F%F0%9F%98%80');
  });

  it('writes raw fragments and repeated keys into the JSON text as they are', () => {
    expect(jsonText({ a: new RawJson('1e400'), b: new DuplicateKeys([['k', 1], ['k', '\uD800']]) })).toBe('{"a":1e400,"b":{"k":1,"k":"\\ud800"}}');
  });
});
