import type { FastifyInstance } from 'fastify';
import { ApiError } from './problems';

const draining = new WeakSet<FastifyInstance>();

/**
 * During shutdown, requests that still arrive (on kept-alive sockets) get a 503 problem and
 * `Connection: close`, while requests already in flight run to completion.
 */
export function registerDraining(app: FastifyInstance): void {
  app.addHook('onRequest', (_request, reply, done) => {
    if (!draining.has(app)) return done();
    reply.header('connection', 'close').header('retry-after', '5');
    done(new ApiError('shutting_down', 'The server is shutting down; retry in a few seconds.'));
  });
}

export const beginDraining = (app: FastifyInstance): void => void draining.add(app);
