import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ctxOf } from '../../http/context';
import { ifMatchOf, sendEntity } from '../../http/etag';
import { withNextLink } from '../../http/pagination';
import { errorResponses, IdParams, NoContent } from '../../http/schemas';
import { concludeHypothesis } from './hypothesis-conclude.service';
import { hypothesisItems } from './hypothesis-items';
import {
  ConcludeHypothesisBody,
  CreateHypothesisBody,
  HypothesisListQuery,
  HypothesisPage,
  HypothesisSchema,
  UpdateHypothesisBody,
} from './hypotheses.schemas';
import { createHypothesis, etagView, getHypothesis, listHypotheses, updateHypothesis } from './hypotheses.service';

const tags = ['hypotheses'];

const SUGGESTION =
  'suggested_result is computed at read time from the measurements of the metric in this iteration (its current definition version): insufficient_data below min_measurements, inconclusive when the criterion cannot be evaluated (reach_target without a tracked target), otherwise validated or invalidated.';

/** Hypotheses: their routes, and their item kind under iterations (carry-over, diff, transitions). */
export const hypothesisModule: FastifyPluginAsyncZod = async (app) => {
  app.iterationItems.register(hypothesisItems);

  app.post(
    '/iterations/:id/hypotheses',
    {
      config: { access: 'editor' },
      schema: {
        operationId: 'createHypothesis',
        tags,
        summary: 'State a hypothesis: a belief tied to a catalog metric and a success criterion',
        description:
          "Editors of the initiative's team and admins, while the iteration is planned or under_construction (409 frozen otherwise). threshold is required with gte, lte, gt and lt and refused with reach_target (400); an unknown metric is a 404 naming it. Created proposed, or testing when the iteration has already started.",
        params: IdParams,
        body: CreateHypothesisBody,
        response: { 201: HypothesisSchema, ...errorResponses(404, 409, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const dto = createHypothesis(ctxOf(request), request.params.id, request.body);
      reply.header('location', `/v1/hypotheses/${dto.id}`);
      return sendEntity(request, reply, dto, 201, etagView(dto));
    },
  );

  app.get(
    '/iterations/:id/hypotheses',
    {
      config: { access: 'viewer' },
      schema: {
        operationId: 'listHypotheses',
        tags,
        summary: "List an iteration's hypotheses with their suggested results, oldest first",
        description: `Any key. Filter by status; paginated with limit and cursor, and the Link header points at the next page. ${SUGGESTION}`,
        params: IdParams,
        querystring: HypothesisListQuery,
        response: { 200: HypothesisPage, ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const { limit, cursor, ...filters } = request.query;
      return withNextLink(request, reply, listHypotheses(ctxOf(request), request.params.id, filters, { limit, cursor }));
    },
  );

  app.get(
    '/hypotheses/:id',
    {
      config: { access: 'viewer' },
      schema: {
        operationId: 'getHypothesis',
        tags,
        summary: 'Get a hypothesis with its suggested result',
        description: `Any key. ${SUGGESTION} The ETag leaves out evaluated_at, so If-None-Match answers 304 while nothing else shown changed.`,
        params: IdParams,
        response: { 200: HypothesisSchema, 304: NoContent, ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const dto = getHypothesis(ctxOf(request), request.params.id);
      return sendEntity(request, reply, dto, 200, etagView(dto));
    },
  );

  app.patch(
    '/hypotheses/:id',
    {
      config: { access: 'editor' },
      schema: {
        operationId: 'updateHypothesis',
        tags,
        summary: 'Edit the test card while the iteration is planned or under construction; honours If-Match',
        description:
          "Editors of the initiative's team and admins. Send only the fields to change; switching to reach_target needs \"threshold\": null, and back needs a threshold (400). From review on the card is frozen (409); a stale If-Match is a 412.",
        params: IdParams,
        body: UpdateHypothesisBody,
        response: { 200: HypothesisSchema, ...errorResponses(404, 409, 412, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const dto = updateHypothesis(ctxOf(request), request.params.id, request.body, ifMatchOf(request));
      return sendEntity(request, reply, dto, 200, etagView(dto));
    },
  );

  app.post(
    '/hypotheses/:id/conclude',
    {
      config: { access: 'editor' },
      schema: {
        operationId: 'concludeHypothesis',
        tags,
        summary: 'Confirm or override the suggested result: validated, invalidated or inconclusive',
        description:
          "Editors of the initiative's team and admins, while the iteration is under_construction or in_review (409 otherwise). A result that differs from the current suggested result needs override_reason (422 override_reason_required); the decision and the suggestion it was made against are both kept, in concluded. Honours If-Match; sending the same decision again returns the hypothesis unchanged.",
        params: IdParams,
        body: ConcludeHypothesisBody,
        response: { 200: HypothesisSchema, ...errorResponses(404, 409, 412, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const dto = concludeHypothesis(ctxOf(request), request.params.id, request.body, ifMatchOf(request));
      return sendEntity(request, reply, dto, 200, etagView(dto));
    },
  );
};
