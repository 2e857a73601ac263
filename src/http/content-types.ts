import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { ApiError } from './problems';
import { decodeUtf8 } from './utf8';

/**
 * How deep a body may nest arrays and objects. No request of this API needs more than a few levels
 * (a retrospective's learnings: 3); far deeper bodies would overflow the call stack of recursive
 * code downstream (JSON.stringify of an idempotent request's body did, at 10,000 levels).
 */
export const MAX_BODY_DEPTH = 32;

/**
 * What makes a parsed body unusable, as the end of a sentence, or undefined: a lone surrogate
 * (strings must be valid Unicode: one cannot be stored and read back as sent), or nesting deeper
 * than MAX_BODY_DEPTH. Walks the value with an explicit stack, so depth cannot overflow it here.
 */
export function bodyFault(root: unknown): string | undefined {
  const stack: Array<[value: unknown, depth: number]> = [[root, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop() as [unknown, number];
    if (typeof value === 'string') {
      if (!value.isWellFormed()) return 'a string contains a lone UTF-16 surrogate';
    } else if (value !== null && typeof value === 'object') {
      if (depth >= MAX_BODY_DEPTH) return `arrays and objects nest more than ${MAX_BODY_DEPTH} levels deep`;
      for (const [key, child] of Object.entries(value)) {
        if (!key.isWellFormed()) return 'a key contains a lone UTF-16 surrogate';
        stack.push([child, depth + 1]);
      }
    }
  }
  return undefined;
}

/**
 * JSON bodies only (other types get 415), also as application/merge-patch+json for PATCH. An empty body counts as no body, so
 * `curl -X POST -H 'content-type: application/json'` on an action route just works; routes that
 * need a body say so through validation. Bytes that are not UTF-8 and prototype-poisoning keys are rejected.
 */
export function registerContentTypes(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json', 'application/merge-patch+json'], { parseAs: 'buffer' }, (_req, body, done) => {
    let text: string;
    try {
      text = decodeUtf8(body as Buffer).trim();
    } catch (err) {
      return done(err as ApiError, undefined);
    }
    if (text === '') return done(null, undefined);
    let parsed: unknown;
    try {
      parsed = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
    } catch (err) {
      const reason = err instanceof SyntaxError ? err.message : 'forbidden key (__proto__ or constructor.prototype)';
      return done(new ApiError('malformed_request', `The body is not valid JSON: ${reason}.`), undefined);
    }
    const fault = bodyFault(parsed);
    if (fault) return done(new ApiError('malformed_request', `The body is not valid JSON: ${fault}.`), undefined);
    done(null, parsed);
  });
}
