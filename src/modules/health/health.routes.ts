import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { migrationStatus } from '../../db/migrate';
import { ApiError } from '../../http/problems';
import { ProblemSchema } from '../../http/schemas';

const Health = z.object({ status: z.literal('ok') });

/** Liveness and readiness for load balancers and orchestrators; no key needed. */
export const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/healthz',
    {
      config: { access: 'public' },
      schema: {
        operationId: 'getHealth',
        tags: ['health'],
        summary: 'The process is alive',
        description: 'Answers 200 while the process runs, without touching the database: a liveness probe. No key needed.',
        security: [],
        response: { 200: Health },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: { access: 'public' },
      schema: {
        operationId: 'getReadiness',
        tags: ['health'],
        summary: 'The database is reachable and fully migrated',
        description:
          'Answers 200 when the database answers and every migration is applied; otherwise a 503 problem (not_ready) whose detail says why, or shutting_down while the server stops. Point load balancers here. No key needed.',
        security: [],
        response: {
          200: Health,
          503: { description: 'Not ready, or shutting down', content: { 'application/problem+json': { schema: ProblemSchema } } },
        },
      },
    },
    async (request, reply) => {
      const state = migrationStatus(app.db.$client);
      if (state.error) request.log.warn({ err: state.error }, 'not ready: the database does not answer');
      if (state.ready) return reply.send({ status: 'ok' as const });
      reply.header('retry-after', '5');
      throw new ApiError('not_ready', `The service is not ready: ${state.detail ?? 'unknown reason'}.`);
    },
  );
};
