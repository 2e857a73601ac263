import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ctxOf } from '../../http/context';
import { ifMatchOf, sendEntity } from '../../http/etag';
import { withNextLink } from '../../http/pagination';
import { EmptyBody, errorResponses, IdParams, NoContent } from '../../http/schemas';
import { transitionIteration, type TransitionInput } from './iteration-actions.service';
import type { Action } from './iteration-lifecycle';
import { z } from 'zod';
import { carryOverInto } from './iteration-carry-over.service';
import { diffIterations } from './iteration-diff.service';
import {
  AbandonIterationBody,
  CloseIterationBody,
  CreatedIterationSchema,
  CreateIterationBody,
  DiffParams,
  IterationDiffSchema,
  IterationListQuery,
  IterationPage,
  IterationSchema,
  UpdateIterationBody,
} from './iterations.schemas';
import { createIteration, getIteration, listIterations, updateIteration } from './iterations.service';

const tags = ['iterations'];

export const iterationRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/initiatives/:id/iterations',
    {
      config: { access: 'editor' },
      schema: {
        operationId: 'createIteration',
        tags,
        summary: 'Plan the next version of an initiative, carrying over open items from the previous one',
        description:
          "Editors of the initiative's team and admins; every field is optional, the body too. The previous version must be closed or abandoned first (409), and its open items are copied in and listed in carried; send carry_over: false to plan ahead while it is still in play.",
        params: IdParams,
        body: CreateIterationBody,
        response: { 201: CreatedIterationSchema, ...errorResponses(404, 409, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const created = createIteration(ctxOf(request), app.iterationItems, request.params.id, request.body);
      const { carried: _carried, ...iteration } = created;
      reply.header('location', `/v1/iterations/${created.id}`);
      return sendEntity(request, reply, created, 201, iteration);
    },
  );

  app.get(
    '/initiatives/:id/iterations',
    {
      config: { access: 'viewer' },
      schema: {
        operationId: 'listIterations',
        tags,
        summary: "List an initiative's iterations, newest first",
        description:
          'Any key. Filter by status; order=asc lists oldest first. Paginated with limit and cursor; the Link header points at the next page.',
        params: IdParams,
        querystring: IterationListQuery,
        response: { 200: IterationPage, ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const { limit, cursor, ...filters } = request.query;
      return withNextLink(request, reply, listIterations(ctxOf(request), request.params.id, filters, { limit, cursor }));
    },
  );

  app.get(
    '/initiatives/:id/iterations/:a/diff/:b',
    {
      config: { access: 'viewer' },
      schema: {
        operationId: 'diffIterations',
        tags,
        summary: 'What changed between two versions (by number): fields, items added, removed and changed',
        description:
          'Any key. a and b are version numbers of the initiative named by id or key; answers 304 with If-None-Match while neither version changed.',
        params: DiffParams,
        response: { 200: IterationDiffSchema, 304: NoContent, ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const { id, a, b } = request.params;
      return sendEntity(request, reply, diffIterations(ctxOf(request), app.iterationItems, id, a, b));
    },
  );

  app.get(
    '/iterations/:id',
    {
      config: { access: 'viewer' },
      schema: {
        operationId: 'getIteration',
        tags,
        summary: 'Get an iteration with its health and the actions its status allows',
        description:
          'Any key. allowed_actions lists the lifecycle actions its status permits; the ETag includes health and stale, and If-None-Match answers 304 while nothing shown changed.',
        params: IdParams,
        response: { 200: IterationSchema, 304: NoContent, ...errorResponses(404) },
      },
    },
    async (request, reply) => sendEntity(request, reply, getIteration(ctxOf(request), request.params.id)),
  );

  app.patch(
    '/iterations/:id',
    {
      config: { access: 'editor' },
      schema: {
        operationId: 'updateIteration',
        tags,
        summary: 'Update goal, title, time box or outcome; honours If-Match. Closed or abandoned iterations are frozen (409).',
        description:
          "Editors of the initiative's team and admins. Send only the fields to change; null clears planned_start, planned_end or outcome, and planned_end must stay after planned_start (400). A stale If-Match is a 412.",
        params: IdParams,
        body: UpdateIterationBody,
        response: { 200: IterationSchema, ...errorResponses(404, 409, 412, 413, 415, 422) },
      },
    },
    async (request, reply) =>
      sendEntity(request, reply, updateIteration(ctxOf(request), request.params.id, request.body, ifMatchOf(request))),
  );

  app.post(
    '/iterations/:id/carry-over',
    {
      config: { access: 'editor' },
      schema: {
        operationId: 'carryOverIntoIteration',
        tags,
        summary: 'Copy in the open items of the previous version once it is closed or abandoned (for versions planned ahead); once per iteration',
        description:
          "Editors of the initiative's team and admins; no body needed. Meant for a version planned with carry_over: false: the copied items are listed in carried, each with its carried_from. A second call, or a call on version 1, is a 409; honours If-Match.",
        params: IdParams,
        body: EmptyBody,
        response: { 200: CreatedIterationSchema, ...errorResponses(404, 409, 412, 413, 415) },
      },
    },
    async (request, reply) => {
      const result = carryOverInto(ctxOf(request), app.iterationItems, request.params.id, ifMatchOf(request));
      const { carried: _carried, ...iteration } = result;
      return sendEntity(request, reply, result, 200, iteration);
    },
  );

  /** One route per lifecycle action; each maps its own body to the transition input. */
  function actionRoute<B extends z.ZodType>(
    action: Action,
    summary: string,
    description: string,
    body: B,
    toInput: (b: z.output<B>) => TransitionInput,
  ) {
    app.post(
      `/iterations/:id/${action}`,
      {
        config: { access: 'editor' },
        schema: {
          operationId: `${action}Iteration`,
          tags,
          summary: `${summary}. Honours If-Match; repeating the transition that led to the current status returns the iteration unchanged.`,
          description: `Editors of the initiative's team and admins. ${description}`,
          params: IdParams,
          body,
          response: { 200: IterationSchema, ...errorResponses(404, 409, 412, 413, 415, 422) },
        },
      },
      async (request, reply) =>
        sendEntity(request, reply, transitionIteration(ctxOf(request), app.iterationItems, request.params.id, action, {
          ...toInput(request.body as z.output<B>),
          ifMatch: ifMatchOf(request),
        })),
    );
  }

  actionRoute(
    'start',
    'Start: planned -> under_construction (one active iteration per initiative)',
    'No body needed. 409 while another iteration of the initiative is active (named in active_iteration) or when its status does not allow starting (the problem lists allowed_actions). The policy may require a hypothesis, tracked metrics with baselines and targets, or a time box to start: 422 policy_violation naming the rule.',
    EmptyBody,
    () => ({}),
  );
  actionRoute(
    'review',
    'Review: under_construction -> in_review',
    'No body needed. The iteration stays active: check-ins are still accepted until it is closed with a decision.',
    EmptyBody,
    () => ({}),
  );
  actionRoute(
    'close',
    'Close with a decision: in_review -> closed; adopt or stop completes the initiative',
    "decision is required unless the iteration's retrospective has one, which is then used (400 naming body.decision when neither has one); a decision that contradicts the retrospective's is a 409 naming both. outcome is optional. persevere and pivot leave the initiative ready for its next version; the closed iteration is frozen (409 on later changes), and so is its retrospective, which keeps a snapshot of the version as it ended.",
    CloseIterationBody,
    (b) => b ?? {},
  );
  actionRoute(
    'abandon',
    'Abandon: planned or under_construction -> abandoned',
    'The optional reason is kept as the outcome. The iteration is frozen, and the next version may carry over its open items.',
    AbandonIterationBody,
    (b) => ({ outcome: b?.reason }),
  );
};
