import type { FastifyInstance } from 'fastify';
import { ApiError } from './problems';

const draining = new WeakSet<FastifyInstance>();

/**
 * During shutdown, requests that still arrive (on kept-alive sockets) get a 503 problem and
 * `Connection: close`, while requests already in flight run to completion.
 */
export function registerDraining(app: FastifyInstance): void {
  app.addHook('onRequest', async (_request, reply) => {
    if (draining.has(app)) {
      reply.header('connection', 'close').header('retry-after', '5');
      throw new ApiError('shutting_down', 'The server is shutting down; retry in a few seconds.');
    }
  });
}

export const beginDraining = (app: FastifyInstance): void => void draining.add(app);
