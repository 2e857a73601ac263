import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ctxOf } from '../../http/context';
import { errorResponses, NoContent } from '../../http/schemas';
import { MetricParams } from '../metrics/metrics.schemas';
import { LIFT_RULE, MetricComparisonQuery, MetricComparisonSchema, type MetricComparison } from './metric-comparison.schemas';
import { getMetricComparison } from './metric-comparison.service';
import { BUCKET_RULE, MetricSeriesQuery, MetricSeriesSchema, type MetricSeries } from './metric-series.schemas';
import { getMetricSeries } from './metric-series.service';
import { sendRendered } from '../../http/rendered-read';

const tags = ['metric-series'];
const READ = 'Any key; a viewer key may also come as access_token (for Grafana Infinity and spreadsheets).';
const TABULAR = 'JSON, or CSV with Accept: text/csv, ?format=csv or a .csv suffix; each form has its own ETag (If-None-Match answers 304).';

export const metricSeriesRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/metrics/:key/series',
    {
      config: { access: 'viewer', csv: true, queryToken: true },
      schema: {
        operationId: 'getMetricSeries',
        tags,
        summary: 'A metric over time, one series per definition version',
        description:
          `${READ} One point per bucket (${BUCKET_RULE}; interval defaults to week) holding the metric's live measurements, valued by the aggregation of the definition version they were logged under: ` +
          'sum adds them, average divides their sum by their count, min and max take the extreme, latest takes the last observed (then last recorded). ' +
          'Measurements of different definition versions are never mixed: each version has its own series with its unit, direction and aggregation. ' +
          'Buckets without a live measurement are left out. Filter by team or initiative (unknown: 404) and by day: from is inclusive, to exclusive; a timestamp selects its whole UTC day (to: unless it is midnight). ' +
          'Voided and superseded measurements never count. Read from the daily rollups, never the ledger; cached until the next write. ' +
          `${TABULAR} CSV: one row per (definition version, bucket) with columns metric, definition_version, interval, bucket, value, count, unit, currency_code, direction, aggregation.`,
        params: MetricParams,
        querystring: MetricSeriesQuery,
        response: { 200: MetricSeriesSchema, 304: NoContent, ...errorResponses(404) },
      },
    },
    async (request, reply) =>
      sendRendered<MetricSeries>(request, reply, getMetricSeries(ctxOf(request), request.params.key, request.query)),
  );

  app.get(
    '/metrics/:key/comparison',
    {
      config: { access: 'viewer', csv: true, queryToken: true },
      schema: {
        operationId: 'getMetricComparison',
        tags,
        summary: 'A metric across teams and initiatives: lift over baseline, by definition version',
        description:
          `${READ} Every iteration that tracks the metric, side by side, with its baseline, current value, target, lift, progress and health. ${LIFT_RULE} ` +
          "Rows are grouped by definition version and never compared across them: the current definition comes first and holds every tracked metric as its iteration shows it (GET /v1/iterations/{id}/metrics); " +
          "each older definition with live measurements follows, newest first, valued by that definition's own aggregation and direction. Within a group rows go by team key, initiative key, version number. " +
          'Filter by team (unknown: 404), initiative_status, iteration_status, and current_only. Read from the rollups, never the ledger. ' +
          'Health follows the clock: a cached answer is kept at most 60 seconds while a time box is running, and until the next write otherwise. ' +
          `${TABULAR} CSV: one row per (definition version, tracked metric).`,
        params: MetricParams,
        querystring: MetricComparisonQuery,
        response: { 200: MetricComparisonSchema, 304: NoContent, ...errorResponses(404) },
      },
    },
    async (request, reply) =>
      sendRendered<MetricComparison>(request, reply, getMetricComparison(ctxOf(request), request.params.key, request.query)),
  );
};
