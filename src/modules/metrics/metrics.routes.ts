import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ctxOf } from '../../http/context';
import { ifMatchOf, sendEntity } from '../../http/etag';
import { withNextLink } from '../../http/pagination';
import { EmptyBody, errorResponses, NoContent } from '../../http/schemas';
import {
  CreateMetricBody,
  MetricDefinitionPage,
  MetricDefinitionQuery,
  MetricListQuery,
  MetricPage,
  MetricParams,
  MetricSchema,
  UpdateMetricBody,
} from './metrics.schemas';
import { createMetric, getMetric, listMetricDefinitions, listMetrics, promoteMetric, updateMetric } from './metrics.service';

const tags = ['metrics'];

export const metricRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/metrics',
    {
      config: { access: 'viewer' },
      schema: {
        operationId: 'listMetrics',
        tags,
        summary: 'List the metric catalog, filtered by scope, team, unit or text',
        description:
          'Any key. Central and team metrics alike (anyone reads across teams). Paginated with limit and cursor; the Link header points at the next page. An unknown team is a 404.',
        querystring: MetricListQuery,
        response: { 200: MetricPage, ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const { limit, cursor, ...filters } = request.query;
      return withNextLink(request, reply, listMetrics(ctxOf(request), filters, { limit, cursor }));
    },
  );

  app.post(
    '/metrics',
    {
      config: { access: 'editor' },
      schema: {
        operationId: 'createMetric',
        tags,
        summary: 'Create a metric: central (admins) or a team metric (its editors)',
        description:
          'Admins create central metrics; editors create metrics for their own teams. The key is unique (409 when taken) and never changes. currency_code is required for unit currency and refused otherwise. The Location header and ETag name the new metric.',
        body: CreateMetricBody,
        response: { 201: MetricSchema, ...errorResponses(404, 409, 413, 415) },
      },
    },
    async (request, reply) => {
      const dto = createMetric(ctxOf(request), request.body);
      reply.header('location', `/v1/metrics/${dto.key}`);
      return sendEntity(request, reply, dto, 201);
    },
  );

  app.get(
    '/metrics/:key',
    {
      config: { access: 'viewer' },
      schema: {
        operationId: 'getMetric',
        tags,
        summary: 'Get a metric by key',
        description: 'Any key; the path takes the key (or the id). Sends an ETag; with If-None-Match naming it the answer is 304.',
        params: MetricParams,
        response: { 200: MetricSchema, 304: NoContent, ...errorResponses(404) },
      },
    },
    async (request, reply) => sendEntity(request, reply, getMetric(ctxOf(request), request.params.key)),
  );

  app.patch(
    '/metrics/:key',
    {
      config: { access: 'editor' },
      schema: {
        operationId: 'updateMetric',
        tags,
        summary: 'Update a metric; honours If-Match. The key never changes.',
        description:
          'Central metrics: admins; team metrics: editors of the team and admins. Send only the fields to change. Changing unit, currency_code, direction or aggregation of a metric that already has measurements starts a new definition_version (earlier measurements keep theirs); before any measurement the current definition is corrected in place. With If-Match, a change since your read is a 412.',
        params: MetricParams,
        body: UpdateMetricBody,
        response: { 200: MetricSchema, ...errorResponses(404, 412, 413, 415) },
      },
    },
    async (request, reply) =>
      sendEntity(request, reply, updateMetric(ctxOf(request), request.params.key, request.body, ifMatchOf(request))),
  );

  app.post(
    '/metrics/:key/promote',
    {
      config: { access: 'admin' },
      schema: {
        operationId: 'promoteMetric',
        tags,
        summary: 'Promote a team metric to central (admins)',
        description:
          'Admins only. The metric keeps its id, key, definitions and measurements; its scope becomes central and it no longer belongs to a team. Promoting a central metric is a 409. Honours If-Match (412).',
        params: MetricParams,
        body: EmptyBody,
        response: { 200: MetricSchema, ...errorResponses(404, 409, 412, 413, 415) },
      },
    },
    async (request, reply) => sendEntity(request, reply, promoteMetric(ctxOf(request), request.params.key, ifMatchOf(request))),
  );

  app.get(
    '/metrics/:key/definitions',
    {
      config: { access: 'viewer' },
      schema: {
        operationId: 'listMetricDefinitions',
        tags,
        summary: "List a metric's definition versions, oldest first",
        description:
          'Any key. Each definition version with its unit, currency, direction and aggregation and when it took effect; current marks the one new measurements are logged under. Paginated with limit and cursor.',
        params: MetricParams,
        querystring: MetricDefinitionQuery,
        response: { 200: MetricDefinitionPage, ...errorResponses(404) },
      },
    },
    async (request, reply) =>
      withNextLink(request, reply, listMetricDefinitions(ctxOf(request), request.params.key, request.query)),
  );
};
