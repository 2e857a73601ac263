import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { ApiError } from './problems';

/**
 * JSON bodies only (other types get 415), also as application/merge-patch+json for PATCH. An empty body counts as no body, so
 * `curl -X POST -H 'content-type: application/json'` on an action route just works; routes that
 * need a body say so through validation. Prototype-poisoning keys are rejected.
 */
class BadText extends Error {}

/** Strings must be valid Unicode: a lone surrogate cannot be stored and read back as sent. */
function wellFormed(_key: string, value: unknown): unknown {
  if (typeof value === 'string' && !value.isWellFormed()) throw new BadText('a string contains a lone UTF-16 surrogate');
  return value;
}

export function registerContentTypes(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json', 'application/merge-patch+json'], { parseAs: 'string' }, (_req, body, done) => {
    const text = (body as string).trim();
    if (text === '') return done(null, undefined);
    try {
      done(null, secureJson.parse(text, wellFormed, { protoAction: 'error', constructorAction: 'error' }));
    } catch (err) {
      const reason = err instanceof SyntaxError || err instanceof BadText ? err.message : 'forbidden key (__proto__ or constructor.prototype)';
      done(new ApiError('malformed_request', `The body is not valid JSON: ${reason}.`), undefined);
    }
  });
}
