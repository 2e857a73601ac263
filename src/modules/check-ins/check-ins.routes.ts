import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ctxOf } from '../../http/context';
import { sendEntity } from '../../http/etag';
import { withNextLink } from '../../http/pagination';
import { errorResponses, IdParams, NoContent } from '../../http/schemas';
import { CheckInListQuery, CheckInPage, CheckInSchema, CreateCheckInBody } from './check-ins.schemas';
import { createCheckIn, getCheckIn, listCheckIns } from './check-ins.service';

const tags = ['check-ins'];

export const checkInRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/iterations/:id/check-ins',
    {
      config: { access: 'editor' },
      schema: {
        operationId: 'createCheckIn',
        tags,
        summary: 'Post a dated health update on an active iteration',
        description:
          "Editors of the initiative's team and admins. Only an under_construction or in_review iteration takes a check-in (409 otherwise); it sets the iteration's health and resets its stale clock.",
        params: IdParams,
        body: CreateCheckInBody,
        response: { 201: CheckInSchema, ...errorResponses(404, 409, 413, 415) },
      },
    },
    async (request, reply) => {
      const dto = createCheckIn(ctxOf(request), request.params.id, request.body);
      reply.header('location', `/v1/check-ins/${dto.id}`);
      return sendEntity(request, reply, dto, 201);
    },
  );

  app.get(
    '/iterations/:id/check-ins',
    {
      config: { access: 'viewer' },
      schema: {
        operationId: 'listCheckIns',
        tags,
        summary: "List an iteration's check-ins, newest first",
        description:
          'Any key. Newest first, paginated with limit and cursor; the Link header points at the next page.',
        params: IdParams,
        querystring: CheckInListQuery,
        response: { 200: CheckInPage, ...errorResponses(404) },
      },
    },
    async (request, reply) => withNextLink(request, reply, listCheckIns(ctxOf(request), request.params.id, request.query)),
  );

  app.get(
    '/check-ins/:id',
    {
      config: { access: 'viewer' },
      schema: {
        operationId: 'getCheckIn',
        tags,
        summary: 'Get one check-in',
        description:
          'Any key. Sends an ETag; with If-None-Match naming it the answer is 304.',
        params: IdParams,
        response: { 200: CheckInSchema, 304: NoContent, ...errorResponses(404) },
      },
    },
    async (request, reply) => sendEntity(request, reply, getCheckIn(ctxOf(request), request.params.id)),
  );
};
