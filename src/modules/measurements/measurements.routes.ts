import { validatorCompiler, type FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ctxOf } from '../../http/context';
import { sendEntity } from '../../http/etag';
import { withNextLink } from '../../http/pagination';
import { errorResponses, IdParams, NoContent } from '../../http/schemas';
import { asBatch, registerBatchFormats, type BatchBody } from './measurement-body';
import {
  BatchResultSchema,
  MeasurementListQuery,
  MeasurementPage,
  MeasurementSchema,
  RecordMeasurementsBody,
  VoidMeasurementBody,
} from './measurements.schemas';
import { getMeasurement, listMeasurements, recordMeasurements, toMeasurementDto, voidMeasurement } from './measurements.service';

const tags = ['measurements'];

export const measurementRoutes: FastifyPluginAsyncZod = async (app) => {
  registerBatchFormats(app);

  app.post(
    '/measurements',
    {
      config: { access: 'editor' },
      bodyLimit: app.config.MEASUREMENT_BODY_LIMIT_BYTES,
      preValidation: asBatch,
      // The rows are checked by the service, so that every error names its row: body[<index>].<field>.
      validatorCompiler: (def) => (def.httpPart === 'body' ? (value: unknown) => ({ value }) : validatorCompiler(def as unknown as Parameters<typeof validatorCompiler>[0])),
      schema: {
        operationId: 'recordMeasurements',
        tags,
        summary: 'Log one measurement or a batch',
        description:
          "Editors of each row's initiative team and admins. One JSON object answers 201 with the measurement; a JSON array, NDJSON or CSV batch (up to 10,000 rows) answers 201 with {count, data} in input order. A row names its metric and its initiative (it lands on the iteration whose window holds observed_at, now by default) or the iteration itself; a row inside a closed or abandoned iteration is kept with late: true. All or nothing: any bad row rejects the whole request with a 422 problem whose errors[] name each row and field (body[<row>].<field>, data rows counted from 0) and the rule broken; code no_iteration when the only trouble is that no iteration was running at observed_at.",
        consumes: ['application/json', 'application/x-ndjson', 'text/csv'],
        body: RecordMeasurementsBody,
        response: { 201: MeasurementSchema.or(BatchResultSchema), ...errorResponses(413, 415, 422) },
      },
    },
    async (request, reply) => {
      const body = request.body as unknown as BatchBody;
      const recorded = recordMeasurements(ctxOf(request), body.rows, { single: body.single, textValues: body.format === 'csv' });
      const first = recorded[0];
      if (body.single && first) {
        reply.header('location', `/v1/measurements/${first.row.id}`);
        return sendEntity(request, reply, toMeasurementDto({ ...first.row, metricKey: first.metricKey, initiativeKey: first.initiativeKey }), 201);
      }
      const data = recorded.map((r) => ({ id: r.row.id, metric: r.metricKey, iteration_id: r.row.iterationId, late: r.row.late }));
      return reply.code(201).send({ count: data.length, data });
    },
  );

  app.get(
    '/measurements',
    {
      config: { access: 'viewer' },
      schema: {
        operationId: 'listMeasurements',
        tags,
        summary: 'List measurements, newest recorded first',
        description:
          'Any key. Filters: metric, initiative, iteration, team, source, observed_at from/to; voided and superseded rows only with include_voided=true. Paginated with limit and cursor.',
        querystring: MeasurementListQuery,
        response: { 200: MeasurementPage, ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const { limit, cursor, ...filters } = request.query;
      return withNextLink(request, reply, listMeasurements(ctxOf(request), filters, { limit, cursor }));
    },
  );

  app.get(
    '/measurements/:id',
    {
      config: { access: 'viewer' },
      schema: {
        operationId: 'getMeasurement',
        tags,
        summary: 'Get one measurement',
        description: 'Any key. Voided and superseded measurements stay readable, with voided_at or superseded_by set. Sends an ETag.',
        params: IdParams,
        response: { 200: MeasurementSchema, 304: NoContent, ...errorResponses(404) },
      },
    },
    async (request, reply) => sendEntity(request, reply, getMeasurement(ctxOf(request), request.params.id)),
  );

  app.post(
    '/measurements/:id/void',
    {
      config: { access: 'editor' },
      schema: {
        operationId: 'voidMeasurement',
        tags,
        summary: 'Void a measurement, with a reason',
        description:
          "Editors of the initiative's team and admins. The measurement stays in the ledger with voided_at and the reason, and counts in no computed value from then on. Voiding a voided or superseded measurement is a 409.",
        params: IdParams,
        body: VoidMeasurementBody,
        response: { 200: MeasurementSchema, ...errorResponses(404, 409, 413, 415) },
      },
    },
    async (request, reply) => sendEntity(request, reply, voidMeasurement(ctxOf(request), request.params.id, request.body.reason)),
  );
};
