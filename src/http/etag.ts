import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './problems';
import { RawJson } from './serializer';

/**
 * ETags are `"v<version>-<digest>"`. The digest covers the whole representation, so a cached copy
 * is revalidated whenever anything the client sees changes, derived parts included (an
 * initiative's current iteration, health, `stale`). The version names the object's own state:
 * If-Match checks it, so a write is refused only when the object itself changed since the client
 * read it, not because time passed or a check-in arrived. Representations without a version
 * (computed views such as diffs) carry the digest alone.
 */
export function etagOf(representation: unknown): string {
  if (representation instanceof RawJson) return (representation.etag ??= tagOf(representation.text, representation.version));
  return tagOf(JSON.stringify(representation), (representation as { version?: unknown } | null)?.version);
}

// A rendered body is the same bytes JSON.stringify gives for the object, so both tag alike.
function tagOf(text: string, version: unknown): string {
  const digest = createHash('sha256').update(text).digest('base64url').slice(0, 22);
  return typeof version === 'number' ? `"v${version}-${digest}"` : `"${digest}"`;
}

const tagsOf = (header: string): string[] => header.split(',').map((t) => t.trim());

/** Throws 412 when If-Match names no tag of the object's current version. Weak tags never match. */
export function assertIfMatch(ifMatch: string | undefined, current: { version: number }): void {
  if (ifMatch === undefined || ifMatch.trim() === '*') return;
  const versions = tagsOf(ifMatch).map((t) => /^"v(\d+)-[\w-]*"$/.exec(t)?.[1]);
  if (!versions.includes(String(current.version))) {
    throw new ApiError('precondition_failed', 'The object changed since you read it; GET it again and retry with the new ETag.', {
      extensions: { current_version: current.version },
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
