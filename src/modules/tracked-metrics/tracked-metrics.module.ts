import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { trackedMetricsKind } from './tracked-metrics.kind';
import { trackedMetricRoutes } from './tracked-metrics.routes';

/** Tracked metrics: the routes under /iterations/{id}/metrics, and the item kind that carries them over and diffs them. */
export const trackedMetricsModule: FastifyPluginAsyncZod = async (app) => {
  app.iterationItems.register(trackedMetricsKind);
  await app.register(trackedMetricRoutes);
};
