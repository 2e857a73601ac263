import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { readCache } from '../db/read-cache';
import type { Actor, Role } from '../lib/context';
import { authenticate } from '../modules/api-keys/api-keys.service';
import { ANY_KEY_OPERATIONS } from './auth.openapi';
import { ApiError } from './problems';
import type { Access } from './types';

const RANK: Record<Role, number> = { viewer: 0, editor: 1, admin: 2 };

/**
 * Bearer-key authentication and the role gate. Every route must declare `config.access`; the
 * server refuses to start otherwise, so no route is ever open by accident. Team scope is checked
 * by the services, which know which team an object belongs to.
 */
export function registerAuth(app: FastifyInstance): void {
  app.decorateRequest('actor', null);

  app.addHook('onRoute', (route: RouteOptions) => {
    const access = (route.config as { access?: Access } | undefined)?.access;
    if (!access && !route.url.startsWith('/docs') && route.method !== 'HEAD') {
      throw new Error(`Route ${String(route.method)} ${route.url} does not declare config.access`);
    }
    const operationId = (route.schema as { operationId?: string } | undefined)?.operationId;
    if (access === 'viewer' && operationId) ANY_KEY_OPERATIONS.add(operationId);
  });

  app.addHook('onRequest', (request, _reply, done) => {
    const access = request.routeOptions.config.access;
    if (access === undefined || access === 'public') return done();
    const header = request.headers.authorization;
    const token = (request.query as { access_token?: unknown } | undefined)?.access_token;
    let actor: Actor;
    if (token !== undefined) {
      const result = authenticateQueryToken(request, token, header);
      if (result instanceof ApiError) return done(result);
      actor = result;
    } else {
      const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
      if (!match?.[1]) return done(new ApiError('unauthorized', 'Send your API key as "Authorization: Bearer <key>".'));
      const { db, config } = request.server;
      const found = authenticate(db, match[1], readCache(db, config.READ_CACHE_MB));
      if (!found) return done(new ApiError('unauthorized', 'The API key is unknown or has been revoked.'));
      actor = found;
    }
    if (RANK[actor.role] < RANK[access]) {
      return done(new ApiError('forbidden', `This route needs a${access === 'admin' ? 'n' : ''} ${access} key; yours is ${actor.role}.`));
    }
    request.actor = actor;
    done();
  });
}

/**
 * `?access_token=`: for tools that cannot send headers (Grafana's Infinity data source,
 * spreadsheets). Only on routes that allow it, only alone, and only a viewer key: a key that can
 * write must never travel in a URL, where proxies and browser histories keep it.
 */
function authenticateQueryToken(request: FastifyRequest, token: unknown, header: string | undefined): Actor | ApiError {
  if (request.routeOptions.config.queryToken !== true) {
    return new ApiError('unauthorized', 'access_token is accepted only on GET dashboard reads and exports; send "Authorization: Bearer <key>" instead.');
  }
  if (header !== undefined) return new ApiError('unauthorized', 'Send the key once: in the Authorization header or as access_token, not both.');
  if (typeof token !== 'string' || token === '') return new ApiError('unauthorized', 'Send one access_token parameter holding a viewer key.');
  const { db, config } = request.server;
  const actor = authenticate(db, token, readCache(db, config.READ_CACHE_MB));
  if (!actor) return new ApiError('unauthorized', 'The API key is unknown or has been revoked.');
  if (actor.role !== 'viewer') {
    return new ApiError('unauthorized', `Only a viewer key may be passed as access_token (this one is ${actor.role}); create a viewer key for this tool, or send this one in the Authorization header.`);
  }
  return actor;
}
