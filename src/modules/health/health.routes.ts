import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { migrationStatus } from '../../db/migrate';

const Health = z.object({ status: z.enum(['ok', 'unavailable']), detail: z.string().optional() });

/** Liveness and readiness for load balancers and orchestrators; no key needed. */
export const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/healthz',
    {
      config: { access: 'public' },
      schema: { operationId: 'getHealth', tags: ['health'], summary: 'The process is alive', security: [], response: { 200: Health } },
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
        security: [],
        response: { 200: Health, 503: Health },
      },
    },
    async (_request, reply) => {
      const state = migrationStatus(app.db.$client);
      if (state.ready) return { status: 'ok' as const };
      return reply.code(503).send({ status: 'unavailable' as const, detail: state.detail });
    },
  );
};
