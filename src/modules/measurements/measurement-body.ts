import type { FastifyInstance, preValidationHookHandler } from 'fastify';
import { ApiError } from '../../http/problems';
import { bodyFault } from '../../http/content-types';
import { decodeUtf8 } from '../../http/utf8';
import { parseCsv, parseNdjson } from './measurement-formats';

/** The body of POST /measurements, whatever its format: the rows, and whether one object was sent. */
export class BatchBody {
  constructor(
    readonly rows: unknown[],
    readonly single: boolean,
    readonly format: 'json' | 'ndjson' | 'csv',
  ) {}
}

/** NDJSON and CSV parsers for this plugin's routes only; elsewhere those types stay 415. */
export function registerBatchFormats(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-ndjson', { parseAs: 'buffer' }, (_req, body, done) => {
    try {
      const rows = parseNdjson(decodeUtf8(body as Buffer));
      const fault = bodyFault(rows);
      if (fault) throw new ApiError('malformed_request', `The body is not valid: ${fault}.`);
      done(null, new BatchBody(rows, false, 'ndjson'));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.addContentTypeParser('text/csv', { parseAs: 'buffer' }, (_req, body, done) => {
    try {
      done(null, new BatchBody(parseCsv(decodeUtf8(body as Buffer).replace(/^\uFEFF/, '')), false, 'csv'));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}

/** Gives a JSON body (one object or an array) the shape the other formats already have. */
export const asBatch: preValidationHookHandler = (request, _reply, done) => {
  const body: unknown = request.body;
  if (body === undefined || body === null) {
    return done(new ApiError('validation_failed', 'Send a measurement as JSON, or a batch as a JSON array, NDJSON or CSV.', { errors: [{ path: 'body', message: 'required' }] }));
  }
  if (!(body instanceof BatchBody)) request.body = Array.isArray(body) ? new BatchBody(body, false, 'json') : new BatchBody([body], true, 'json');
  done();
};
