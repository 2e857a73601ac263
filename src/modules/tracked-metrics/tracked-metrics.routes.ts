import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ctxOf } from '../../http/context';
import { ifMatchOf, sendEntity } from '../../http/etag';
import { withNextLink } from '../../http/pagination';
import { errorResponses, IdParams, NoContent } from '../../http/schemas';
import {
  TrackedMetricListQuery,
  TrackedMetricPage,
  TrackedMetricParams,
  TrackedMetricSchema,
  TrackMetricBody,
  UpdateTrackedMetricBody,
} from './tracked-metrics.schemas';
import { getTrackedMetric, listTrackedMetrics, trackMetric, untrackMetric, updateTrackedMetric } from './tracked-metrics.service';

const tags = ['tracked-metrics'];
const COMPUTED =
  'current, measurements_count and last_observed_at come from the rollup of the live measurements under the metric\'s current definition version; progress and health are computed at each read (see the TrackedMetric schema).';
const WINDOW = 'Baselines and targets are set while the iteration is planned or under_construction: in review, closed or abandoned it is a 409 frozen.';

export const trackedMetricRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/iterations/:id/metrics',
    {
      config: { access: 'editor' },
      schema: {
        operationId: 'trackMetric',
        tags,
        summary: 'Track a catalog metric in an iteration, with an optional baseline and target',
        description: `Editors of the initiative's team and admins. A metric is tracked at most once per iteration (409); an unknown metric is a 404 naming it. ${WINDOW} ${COMPUTED}`,
        params: IdParams,
        body: TrackMetricBody,
        response: { 201: TrackedMetricSchema, ...errorResponses(404, 409, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const dto = trackMetric(ctxOf(request), request.params.id, request.body);
      reply.header('location', `/v1/iterations/${dto.iteration_id}/metrics/${dto.metric.key}`);
      return sendEntity(request, reply, dto, 201);
    },
  );

  app.get(
    '/iterations/:id/metrics',
    {
      config: { access: 'viewer' },
      schema: {
        operationId: 'listTrackedMetrics',
        tags,
        summary: "List an iteration's tracked metrics with current value, progress and health",
        description: `Any key. In the order they were added, paginated with limit and cursor; the Link header points at the next page. ${COMPUTED}`,
        params: IdParams,
        querystring: TrackedMetricListQuery,
        response: { 200: TrackedMetricPage, ...errorResponses(404) },
      },
    },
    async (request, reply) => withNextLink(request, reply, listTrackedMetrics(ctxOf(request), request.params.id, request.query)),
  );

  app.get(
    '/iterations/:id/metrics/:metric_key',
    {
      config: { access: 'viewer' },
      schema: {
        operationId: 'getTrackedMetric',
        tags,
        summary: 'Get one tracked metric of an iteration, by metric key',
        description: `Any key. Sends an ETag; with If-None-Match naming it the answer is 304 (the tag changes when a measurement or the clock changes what is shown). ${COMPUTED}`,
        params: TrackedMetricParams,
        response: { 200: TrackedMetricSchema, 304: NoContent, ...errorResponses(404) },
      },
    },
    async (request, reply) =>
      sendEntity(request, reply, getTrackedMetric(ctxOf(request), request.params.id, request.params.metric_key)),
  );

  app.patch(
    '/iterations/:id/metrics/:metric_key',
    {
      config: { access: 'editor' },
      schema: {
        operationId: 'updateTrackedMetric',
        tags,
        summary: 'Change the baseline or target of a tracked metric; honours If-Match',
        description: `Editors of the initiative's team and admins. Send only the fields to change; null clears one. ${WINDOW} A stale If-Match is a 412.`,
        params: TrackedMetricParams,
        body: UpdateTrackedMetricBody,
        response: { 200: TrackedMetricSchema, ...errorResponses(404, 409, 412, 413, 415) },
      },
    },
    async (request, reply) =>
      sendEntity(
        request,
        reply,
        updateTrackedMetric(ctxOf(request), request.params.id, request.params.metric_key, request.body, ifMatchOf(request)),
      ),
  );

  app.delete(
    '/iterations/:id/metrics/:metric_key',
    {
      config: { access: 'editor' },
      schema: {
        operationId: 'untrackMetric',
        tags,
        summary: 'Stop tracking a metric in an iteration; honours If-Match',
        description: `Editors of the initiative's team and admins. The metric and its measurements stay; only the baseline and target go. ${WINDOW} A stale If-Match is a 412.`,
        params: TrackedMetricParams,
        response: { 204: NoContent, ...errorResponses(404, 409, 412, 413, 415) },
      },
    },
    async (request, reply) => {
      untrackMetric(ctxOf(request), request.params.id, request.params.metric_key, ifMatchOf(request));
      return reply.code(204).send();
    },
  );
};
