import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { migrationStatus } from '../../db/migrate';
import { describeStorageFault } from '../../db/storage-faults';
import { storageReadiness } from '../../db/storage-probe';
import { ApiError } from '../../http/problems';
import { ProblemSchema } from '../../http/schemas';

const Health = z.object({ status: z.literal('ok') });

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ProblemSchema } } });
/** Like every route, the probes take no query parameter they do not know. */
const BadQuery = problem('An unknown query parameter; the probes take none');

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
        description:
          'Answers 200 while the process runs, without touching the database: a liveness probe. While the server stops it answers 503 (shutting_down), as every route does. No key needed.',
        security: [],
        response: { 200: Health, 400: BadQuery, 503: problem('Shutting down') },
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
        summary: 'The database is reachable, fully migrated and writable',
        description:
          'Answers 200 when the database answers, every migration is applied and no storage fault holds; otherwise a 503 problem (not_ready) with Retry-After whose detail says why, or shutting_down while the server stops. ' +
          'A storage fault is the database being full, read-only or locked by another process, or an I/O error: once a request met one (or the file was opened read-only), each poll probes whether it still holds, without waiting for a lock, and answers 200 again once it is gone. ' +
          'While no fault is remembered a poll is one read. Point load balancers here. No key needed.',
        security: [],
        response: {
          200: Health,
          400: BadQuery,
          503: problem('Not ready, or shutting down'),
        },
      },
    },
    async (request, reply) => {
      const state = migrationStatus(app.db.$client);
      if (state.error) request.log.warn({ err: state.error }, 'not ready: the database does not answer');
      let fault: ReturnType<typeof storageReadiness>;
      let broken = false;
      try {
        fault = state.ready ? storageReadiness(app.db) : undefined;
      } catch (err) {
        // The probe met something worse than a storage fault (a damaged file): not ready, never a 500.
        request.log.error({ err }, 'not ready: the storage probe failed');
        broken = true;
      }
      if (state.ready && fault === undefined && !broken) return reply.send({ status: 'ok' as const });
      reply.header('retry-after', '5');
      const why = broken ? 'the database does not answer' : fault === undefined ? (state.detail ?? 'unknown reason') : describeStorageFault(fault);
      throw new ApiError('not_ready', `The service is not ready: ${why}.`);
    },
  );
};
