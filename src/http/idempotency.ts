import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod, RouteOptions, onSendHookHandler } from 'fastify';
import { commitGroup } from '../db/commit-group';
import { DAY_MS } from '../lib/clock';
import { idempotencyStore } from './idempotency.store';
import { ApiError, validationFailed } from './problems';

/** How long a stored response is replayed. */
export const IDEMPOTENCY_TTL_MS = DAY_MS;

/** 1 to 255 printable ASCII characters (a UUID, a job name and a row number ...). */
const VALID_KEY = /^[\x20-\x7E]{1,255}$/;

/** The response headers a replay repeats; the rest (request id, date, length) belong to the retry. */
const REPLAYED_HEADERS = ['content-type', 'location', 'etag', 'cache-control'];

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `omit`: top-level fields of a 2xx body never stored (one-time secrets), hence absent from a replay. */
    idempotency?: { omit?: string[] };
  }
}

/**
 * `idle`: a replay or not started; `open`: the request's savepoint is open and the handler's writes
 * join it; `committed` / `closed`: the savepoint was released with the response stored / rolled back.
 */
type Phase = 'idle' | 'open' | 'committed' | 'closed';

interface Claim {
  apiKeyId: string;
  key: string;
  phase: Phase;
  fingerprint: string;
  release: () => void;
}

/**
 * `Idempotency-Key` on POST: the first 2xx response is stored per API key, in the transaction of
 * the change it describes, and replayed for 24 hours with `Idempotent-Replayed: true`. Errors are
 * not stored: nothing was written, so a retry runs again.
 *
 * How the one transaction works: the route handler is wrapped to run inside a savepoint of this
 * turn's commit group (see CommitGroup; services' own transactions nest in it). Handlers do not
 * await, so the service call, `reply.send`, serialization and the onSend hooks all run
 * synchronously within that call; the idempotency onSend hook stores the response and releases
 * the savepoint, and the response leaves only once the group committed (registerDurableResponses),
 * so the change and its stored response become durable together. Anything left open when the
 * handler returns (it threw, or it awaited) is rolled back at once, so no other request's
 * statements can ever run inside the savepoint. A 2xx that reaches onSend after such
 * a rollback is a route that does not complete synchronously: it fails loudly with a 500.
 */
export function registerIdempotency(app: FastifyInstance): void {
  // (api key id, idempotency key) pairs whose request is running, from its headers on.
  const inFlight = new Set<string>();
  const claims = new WeakMap<FastifyRequest, Claim>();

  // After registerAuth's hook, so the actor is known; before the body is read, so a slow upload counts as running.
  app.addHook('onRequest', (request, reply, done) => {
    const header = request.headers['idempotency-key'];
    if (request.method !== 'POST' || header === undefined || !request.actor) return done();
    if (typeof header !== 'string' || !VALID_KEY.test(header)) {
      return done(
        validationFailed(
          [{ path: 'headers.idempotency-key', message: 'must be 1 to 255 printable ASCII characters, such as a UUID' }],
          'The Idempotency-Key header is not valid; send 1 to 255 printable ASCII characters, such as a UUID.',
        ),
      );
    }
    const slot = `${request.actor.keyId}\n${header}`;
    if (inFlight.has(slot)) {
      reply.header('retry-after', '1');
      return done(
        new ApiError(
          'idempotency_key_in_use',
          'A request with this Idempotency-Key is still running; retry after it completes to get its response replayed.',
        ),
      );
    }
    inFlight.add(slot);
    let held = true;
    const release = () => {
      if (held) inFlight.delete(slot);
      held = false;
    };
    claims.set(request, { apiKeyId: request.actor.keyId, key: header, phase: 'idle', fingerprint: '', release });
    // 'close' comes after the response is written and also when the client goes away mid-upload.
    reply.raw.once('close', release);
    done();
  });
  app.addHook('onResponse', (request, _reply, done) => {
    claims.get(request)?.release();
    done();
  });

  app.addHook('onRoute', (route: RouteOptions) => {
    if (!([] as string[]).concat(route.method).includes('POST')) return;
    route.handler = transactional(route.handler, claims);
    // Route-level hooks run after every app-level one: this sees the final payload.
    route.onSend = [...([] as onSendHookHandler[]).concat(route.onSend ?? []), storeResponse(claims)];
  });
}

const fingerprintOf = (request: FastifyRequest): string =>
  createHash('sha256')
    .update(`${request.method} ${request.url}\n${JSON.stringify(request.body) ?? ''}`)
    .digest('base64url');

const SAVEPOINT = 'idempotent_request';

function rollback(sqlite: Database.Database): void {
  if (sqlite.inTransaction) sqlite.exec(`ROLLBACK TO ${SAVEPOINT}; RELEASE ${SAVEPOINT}`);
}

/** Replays a stored response, refuses a different request under the same key, or runs the handler in a transaction. */
function transactional(handler: RouteHandlerMethod, claims: WeakMap<FastifyRequest, Claim>): RouteHandlerMethod {
  return function idempotentHandler(this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
    const claim = claims.get(request);
    if (!claim) return handler.call(this, request, reply);
    const { db, clock } = request.server;
    const fingerprint = fingerprintOf(request);
    const stored = idempotencyStore(db).find(claim.apiKeyId, claim.key, clock.now().toISOString());
    if (stored) {
      if (stored.fingerprint !== fingerprint) {
        throw new ApiError(
          'idempotency_key_reused',
          'This Idempotency-Key was already used for a different request (method, path or body) in the last 24 hours; send a new key for a new request.',
        );
      }
      reply.code(stored.status).headers(stored.headers).header('idempotent-replayed', 'true');
      return reply.send(stored.body === '' ? undefined : stored.body);
    }
    const sqlite = db.$client;
    commitGroup(db).join();
    sqlite.exec(`SAVEPOINT ${SAVEPOINT}`);
    claim.phase = 'open';
    claim.fingerprint = fingerprint;
    try {
      return handler.call(this, request, reply);
    } finally {
      // Still open: the handler threw (its promise rejects later) or has not sent its response yet.
      if (claim.phase === 'open') {
        claim.phase = 'closed';
        rollback(sqlite);
      }
    }
  };
}

function payloadText(payload: unknown): string {
  if (payload === undefined || payload === null) return '';
  if (typeof payload === 'string') return payload;
  if (Buffer.isBuffer(payload)) return payload.toString('utf8');
  throw new Error('Idempotency: a streamed 2xx response cannot be stored for replay');
}

function withoutFields(body: string, omit: string[] | undefined): string {
  if (!omit?.length || body === '') return body;
  const value = JSON.parse(body) as Record<string, unknown>;
  for (const field of omit) delete value[field];
  return JSON.stringify(value);
}

/** The onSend hook that ends the savepoint: stores a 2xx and releases it, or rolls it back. */
function storeResponse(claims: WeakMap<FastifyRequest, Claim>): onSendHookHandler {
  return function storeIdempotentResponse(request, reply, payload, done) {
    const claim = claims.get(request);
    const ok = reply.statusCode >= 200 && reply.statusCode < 300;
    if (!claim || claim.phase === 'idle' || claim.phase === 'committed' || (claim.phase === 'closed' && !ok)) {
      return done(null, payload);
    }
    if (claim.phase === 'closed') {
      return done(new Error(`Idempotency: ${request.method} ${request.routeOptions.url ?? ''} did not send its 2xx response synchronously, so it could not be stored with its change`));
    }
    const { db, clock } = request.server;
    claim.phase = 'closed';
    if (!ok) {
      rollback(db.$client);
      return done(null, payload);
    }
    try {
      const headers: Record<string, string> = {};
      for (const name of REPLAYED_HEADERS) {
        const value = reply.getHeader(name);
        if (value !== undefined) headers[name] = String(value);
      }
      const now = clock.now();
      idempotencyStore(db).save({
        apiKeyId: claim.apiKeyId,
        key: claim.key,
        fingerprint: claim.fingerprint,
        status: reply.statusCode,
        headers,
        body: withoutFields(payloadText(payload), request.routeOptions.config.idempotency?.omit),
        createdAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + IDEMPOTENCY_TTL_MS).toISOString(),
      });
      db.$client.exec(`RELEASE ${SAVEPOINT}`);
      claim.phase = 'committed';
    } catch (err) {
      rollback(db.$client);
      // The change was rolled back: the 2xx headers describe nothing any more.
      reply.removeHeader('location').removeHeader('etag');
      const inUse = (err as { code?: unknown }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
      return done(inUse ? new ApiError('idempotency_key_in_use', 'Another request with this Idempotency-Key completed first; retry to get its response replayed.') : (err as Error));
    }
    done(null, payload);
  };
}
