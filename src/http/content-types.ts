import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { ApiError } from './problems';
import { decodeUtf8 } from './utf8';

/**
 * Strings must be valid Unicode: a lone surrogate cannot be stored and read back as sent. Walks
 * the parsed value with an explicit stack, so deep nesting cannot overflow the call stack.
 */
export function hasLoneSurrogate(root: unknown): boolean {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === 'string') {
      if (!value.isWellFormed()) return true;
    } else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        if (!key.isWellFormed()) return true;
        stack.push(child);
      }
    }
  }
  return false;
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
    if (hasLoneSurrogate(parsed)) {
      return done(new ApiError('malformed_request', 'The body is not valid JSON: a string contains a lone UTF-16 surrogate.'), undefined);
    }
    done(null, parsed);
  });
}
