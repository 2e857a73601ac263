import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './problems';

/**
 * A strong ETag derived from the representation itself, so it changes whenever anything the
 * client sees changes (including embedded, derived parts such as an initiative's current iteration).
 */
export const etagOf = (representation: unknown): string =>
  `"${createHash('sha256').update(JSON.stringify(representation)).digest('base64url').slice(0, 27)}"`;

const tagsOf = (header: string): string[] => header.split(',').map((t) => t.trim());

/**
 * Throws 412 when the client's If-Match no longer names the current representation. The
 * comparison is strong (RFC 9110): a weak tag never matches.
 */
export function assertIfMatch(ifMatch: string | undefined, current: unknown): void {
  if (ifMatch === undefined || ifMatch.trim() === '*') return;
  const tag = etagOf(current);
  if (!tagsOf(ifMatch).includes(tag)) {
    throw new ApiError('precondition_failed', 'The object changed since you read it; GET it again and retry with the new ETag.', {
      extensions: { current_etag: tag },
    });
  }
}

export const ifMatchOf = (request: FastifyRequest): string | undefined => {
  const h = request.headers['if-match'];
  return Array.isArray(h) ? h.join(',') : h;
};

/**
 * Sends one object with its ETag. A read answers 304 when If-None-Match already names it (weak
 * comparison). `tagged` is the representation the ETag identifies, when the body adds to it
 * something a later GET does not show (what a creation carried over).
 */
export function sendEntity<T>(request: FastifyRequest, reply: FastifyReply, body: T, status = 200, tagged: unknown = body) {
  const tag = etagOf(tagged);
  reply.header('etag', tag);
  const inm = request.headers['if-none-match'];
  const isRead = request.method === 'GET' || request.method === 'HEAD';
  if (isRead && inm && (inm.trim() === '*' || tagsOf(inm).map((t) => t.replace(/^W\//, '')).includes(tag))) {
    return reply.code(304).send();
  }
  return reply.code(status).send(body);
}
