import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ctxOf } from '../../http/context';
import { errorResponses, NoContent } from '../../http/schemas';
import { sendEntity } from '../../http/etag';
import { asRendered } from '../../http/serializer';
import { CSV_CONTENT_TYPE, formatOf } from '../../http/tabular';
import { sendStreamed } from './export-stream';
import { MeasurementExport, MeasurementExportQuery, ProgressExport, ProgressExportQuery, type ProgressExportRow } from './exports.schemas';
import { exportMeasurements } from './measurements-export.service';
import { exportProgress } from './progress-export.service';

const tags = ['exports'];
const config = { access: 'viewer', csv: true, queryToken: true } as const;

const FORMS =
  'CSV (RFC 4180, UTF-8, a header row of the snake_case columns, text a spreadsheet would run as a formula prefixed with a single quote) ' +
  'for Accept: text/csv, ?format=csv or a .csv suffix on the path; otherwise a bare JSON array of the same rows with the same fields, in the same order. ' +
  'Any key; a viewer key may instead be passed as ?access_token= (tools that cannot send headers; any other key there is a 401).';

export const exportRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/exports/measurements',
    {
      config,
      schema: {
        operationId: 'exportMeasurements',
        tags,
        summary: 'Export the measurement ledger as a tidy table (CSV or JSON)',
        description:
          'One row per live measurement (voided and superseded rows are left out; GET /v1/measurements?include_voided=true lists those), ' +
          'in id order, that is the order they were recorded. Filters: from (inclusive) and to (exclusive) on observed_at, team, theme, initiative ' +
          '(key or id; unknown ones are a 404) and metric (one key or several separated by commas). ' +
          `${FORMS} ` +
          'The body is streamed as it is read, in chunks, so an export of millions of rows starts at once and never sits whole in memory; ' +
          'it is not a snapshot: a row logged or voided while a long export runs may or may not be in it, and no row appears twice. ' +
          'A whole-ledger or team-wide export reads the ledger through (it is the ledger); initiative and metric filters read their own index. ' +
          'Sends an ETag computed before the body (from the newest measurement id, the live count in the range and the initiatives\' versions): ' +
          'If-None-Match answers 304 until a measurement is logged, voided or superseded, or an initiative changes.',
        querystring: MeasurementExportQuery,
        response: { 200: MeasurementExport, 304: NoContent, ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const format = formatOf(request);
      return sendStreamed(request, reply, await exportMeasurements(ctxOf(request), request.query, format));
    },
  );

  app.get(
    '/exports/progress',
    {
      config,
      schema: {
        operationId: 'exportProgress',
        tags,
        summary: 'Export every version and its tracked metrics as a tidy table (CSV or JSON)',
        description:
          'One row per (initiative, version, tracked metric): the version (team, theme, initiative, version number, status, time box, ' +
          'start and end, decision, health of the latest check-in) and the metric (definition, baseline, target, and current, progress and ' +
          'metric_health computed as GET /v1/iterations/{id}/metrics does, from the measurement rollups). A version tracking no metric is one ' +
          'row with empty metric columns. Ordered by team, initiative, version and metric key; archived initiatives included. ' +
          "Filters: team, theme, initiative, metric (one key or several separated by commas: only versions tracking one of them); from and to select " +
          "the versions whose span overlaps [from, to): a span runs from started_at (planned_start before the start) to closed_at or abandoned_at; " +
          'a version under construction or in review has not ended, a planned one ends at planned_end; a version with no start at all is in no range. ' +
          `${FORMS} ` +
          'Sends an ETag of the body (If-None-Match answers 304). Health moves with the clock while a time box runs, so an answer ' +
          'may be up to a minute old then; any write is seen at once.',
        querystring: ProgressExportQuery,
        response: { 200: ProgressExport, 304: NoContent, ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const format = formatOf(request);
      const body = exportProgress(ctxOf(request), request.query, format);
      reply.header('vary', 'accept');
      if (typeof body === 'string') return sendEntity(request, reply.type(CSV_CONTENT_TYPE).header('content-disposition', 'inline; filename="progress.csv"'), body);
      return sendEntity(request, reply, asRendered<ProgressExportRow[]>(body));
    },
  );
};
