import type { FastifyInstance, RouteOptions } from 'fastify';
import { readCache } from '../db/read-cache';
import type { Role } from '../lib/context';
import { authenticate } from '../modules/api-keys/api-keys.service';
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
  });

  app.addHook('onRequest', (request, _reply, done) => {
    const access = request.routeOptions.config.access;
    if (access === undefined || access === 'public') return done();
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match?.[1]) return done(new ApiError('unauthorized', 'Send your API key as "Authorization: Bearer <key>".'));
    const { db, config } = request.server;
    const actor = authenticate(db, match[1], readCache(db, config.READ_CACHE_MB));
    if (!actor) return done(new ApiError('unauthorized', 'The API key is unknown or has been revoked.'));
    if (RANK[actor.role] < RANK[access]) {
      return done(new ApiError('forbidden', `This route needs a${access === 'admin' ? 'n' : ''} ${access} key; yours is ${actor.role}.`));
    }
    request.actor = actor;
    done();
  });
}
