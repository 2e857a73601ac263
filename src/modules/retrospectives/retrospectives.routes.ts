import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ctxOf } from '../../http/context';
import { ifMatchOf, sendEntity } from '../../http/etag';
import { errorResponses, IdParams, NoContent } from '../../http/schemas';
import { PutRetrospectiveBody, RetrospectiveSchema } from './retrospectives.schemas';
import { getRetrospective, putRetrospective } from './retrospectives.service';

const tags = ['retrospectives'];
const FROZEN =
  'Closing (or abandoning) the iteration freezes it and stores snapshot, the version as it ended (hypotheses and tracked metrics); it never changes afterwards.';

/** The learning card of each version: GET and PUT under /iterations/{id}/retrospective. */
export const retrospectivesModule: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/iterations/:id/retrospective',
    {
      config: { access: 'viewer' },
      schema: {
        operationId: 'getRetrospective',
        tags,
        summary: "Get an iteration's retrospective: what went well, what to improve, learnings, decision, and the snapshot",
        description: `Any key. 404 until one is written. ${FROZEN} Sends an ETag; If-None-Match naming it answers 304.`,
        params: IdParams,
        response: { 200: RetrospectiveSchema, 304: NoContent, ...errorResponses(404) },
      },
    },
    async (request, reply) => sendEntity(request, reply, getRetrospective(ctxOf(request), request.params.id)),
  );

  app.put(
    '/iterations/:id/retrospective',
    {
      config: { access: 'editor' },
      schema: {
        operationId: 'putRetrospective',
        tags,
        summary: "Write or replace an iteration's retrospective; If-Match is required once it exists",
        description:
          "Editors of the initiative's team and admins, while the iteration is under_construction or in_review (409 when planned; 409 frozen once closed or abandoned). " +
          'The body is the whole card: fields left out become empty. The first PUT creates it (201, without If-Match); replacing it needs If-Match with its ETag (428 without, 412 when stale). ' +
          `A decision set here lets the close omit its own, and a close with another decision is a 409. ${FROZEN}`,
        params: IdParams,
        body: PutRetrospectiveBody,
        response: { 200: RetrospectiveSchema, 201: RetrospectiveSchema, ...errorResponses(404, 409, 412, 413, 415, 428) },
      },
    },
    async (request, reply) => {
      const { retrospective, created } = putRetrospective(ctxOf(request), request.params.id, request.body, ifMatchOf(request));
      if (created) reply.header('location', `/v1/iterations/${retrospective.iteration_id}/retrospective`);
      return sendEntity(request, reply, retrospective, created ? 201 : 200);
    },
  );
};
