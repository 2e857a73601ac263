import type { FastifyRequest } from 'fastify';
import type { Ctx } from '../lib/context';
import { ApiError } from './problems';

/** The service context of an authenticated request. */
export function ctxOf(request: FastifyRequest): Ctx {
  const { actor, server } = request;
  if (!actor) throw new ApiError('unauthorized', 'Send Authorization: Bearer <api key>.');
  return { db: server.db, clock: server.clock, config: server.config, actor, requestId: request.id };
}
