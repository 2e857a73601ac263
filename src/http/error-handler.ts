import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ApiError, isForeignKeyViolation, validationFailed, type FieldError, type ProblemCode } from './problems';
import { storageFaultOf, storageFaults } from '../db/storage-faults';
import { STORAGE_RETRY_AFTER_SECONDS, storageUnavailable } from './storage-unavailable';

const LOCATIONS: Record<string, string> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' };

interface ZodValidationItem {
  instancePath: string;
  message: string;
  keyword: string;
  params: { keys?: string[] };
}

function fieldErrors(validation: ZodValidationItem[], context: string | undefined): FieldError[] {
  const where = LOCATIONS[context ?? 'body'] ?? 'body';
  return validation.flatMap((v) => {
    const base = [where, ...v.instancePath.split('/').filter(Boolean)].join('.');
    if (v.keyword === 'unrecognized_keys' && v.params.keys) {
      const kind = where === 'query' ? 'query parameter' : 'field';
      return v.params.keys.map((k) => ({ path: `${base}.${k}`, message: `'${k}' is not a known ${kind}; remove it.` }));
    }
    return [{ path: base, message: v.message }];
  });
}

/** Maps anything thrown during a request to an ApiError; unknown failures become a bare 500. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const e = err as FastifyError & { validationContext?: string };
  if (hasZodFastifySchemaValidationErrors(e)) {
    return validationFailed(fieldErrors(e.validation as unknown as ZodValidationItem[], e.validationContext));
  }
  if (isForeignKeyViolation(e)) return new ApiError('conflict', 'The change would break a reference between records.');
  // A full, read-only or locked database, an I/O error: at whatever step, on whatever route, a 503.
  const fault = storageFaultOf(e);
  if (fault !== undefined) return storageUnavailable(fault);
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('payload_too_large', 'The request body is larger than the server accepts.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError('unsupported_media_type', 'Send the request body as application/json.');
    case 'SQLITE_CONSTRAINT_UNIQUE':
    case 'SQLITE_CONSTRAINT_PRIMARYKEY':
      return new ApiError('conflict', 'The change conflicts with an existing record.');
  }
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) return new ApiError('malformed_request', e.message, { status });
  return new ApiError('internal_error', 'An unexpected error occurred; the request id identifies it in the logs.');
}

/** Sets a problem's status and headers on the reply; returns its body. */
function prepareProblem(request: FastifyRequest, reply: FastifyReply, problem: ApiError): Record<string, unknown> {
  if (problem.status === 401) reply.header('www-authenticate', 'Bearer realm="roadworks"');
  if (problem.code === 'storage_unavailable') reply.header('retry-after', String(STORAGE_RETRY_AFTER_SECONDS));
  reply.code(problem.status).type('application/problem+json');
  return {
    type: problemType(problem.code),
    title: problem.title,
    status: problem.status,
    detail: problem.detail,
    instance: request.url.split('?')[0],
    code: problem.code,
    request_id: request.id,
    ...problem.extensions,
    ...(problem.errors ? { errors: problem.errors } : {}),
  };
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: ApiError): FastifyReply {
  return reply.serializer(JSON.stringify).send(prepareProblem(request, reply, problem));
}

/**
 * The problem as the payload of a response already on its way (for an onSend hook that must
 * replace it): Fastify runs the error handler once per response, so an error response cannot be
 * turned into another problem by passing an error on.
 */
export function problemPayload(request: FastifyRequest, reply: FastifyReply, problem: ApiError): string {
  return JSON.stringify(prepareProblem(request, reply, problem));
}

/**
 * For Fastify's `frameworkErrors` option: errors the router raises before any hook runs (a path
 * with broken percent-encoding, an over-long path parameter) become problems with X-Request-Id too.
 */
export function frameworkErrorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  reply.header('x-request-id', request.id);
  void sendProblem(request, reply, toApiError(err));
}

const problemType = (code: ProblemCode) => `https://roadworks.dev/problems/${code.replaceAll('_', '-')}`;

/**
 * For Fastify's `clientErrorHandler`: HTTP that Node cannot parse (an oversized request line or
 * headers, a broken request line, a request too slow to arrive) never becomes a request, so it
 * is answered here, straight on the socket, still as a problem with a request id.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const code: ProblemCode =
    err.code === 'HPE_HEADER_OVERFLOW' ? 'headers_too_large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'request_timeout' : 'malformed_request';
  const detail = {
    headers_too_large: 'The request line or headers are too large; shorten the URL or the headers.',
    request_timeout: 'The request did not arrive in time; send it again.',
  }[code as string] ?? 'The request is not valid HTTP.';
  const problem = new ApiError(code, detail);
  const requestId = randomUUID();
  const body = JSON.stringify({ type: problemType(code), title: problem.title, status: problem.status, detail, code, request_id: requestId });
  socket.end(
    `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\n` +
      `Content-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** One error handler and one not-found handler for the whole API: every failure is problem+json. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    const problem = toApiError(err);
    if (problem.code === 'internal_error') request.log.error({ err }, 'request failed');
    // Remembered for /readyz (see storageReadiness); the operator needs the cause in the log.
    else if (storageFaults(request.server.db).note(err) !== undefined) request.log.error({ err }, 'storage unavailable');
    return sendProblem(request, reply, problem);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0];
    const detail = `There is no route ${request.method} ${path}. The API is described at /openapi.json and /docs.`;
    return sendProblem(request, reply, new ApiError('route_not_found', detail));
  });
}
