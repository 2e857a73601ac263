import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ctxOf } from '../../http/context';
import { ifMatchOf, sendEntity } from '../../http/etag';
import { withNextLink } from '../../http/pagination';
import { errorResponses, IdParams, NoContent } from '../../http/schemas';
import {
  ActionItemListQuery,
  ActionItemPage,
  ActionItemSchema,
  CreateActionItemBody,
  IterationActionItemQuery,
  UpdateActionItemBody,
} from './action-items.schemas';
import { createActionItem, getActionItem, listActionItems, listIterationActionItems, updateActionItem } from './action-items.service';

const tags = ['action-items'];
const CARRY =
  'Open items carry into the next version (carried_from, times_carried + 1; recurring once carried twice); done and dropped items stay where they were finished.';

export const actionItemRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/iterations/:id/action-items',
    {
      config: { access: 'editor' },
      schema: {
        operationId: 'createActionItem',
        tags,
        summary: 'Add an action item (title, owner, due date) to an iteration',
        description: `Editors of the initiative's team and admins, while the iteration is planned, under_construction or in_review (409 frozen once closed or abandoned). Created open. ${CARRY}`,
        params: IdParams,
        body: CreateActionItemBody,
        response: { 201: ActionItemSchema, ...errorResponses(404, 409, 413, 415) },
      },
    },
    async (request, reply) => {
      const dto = createActionItem(ctxOf(request), request.params.id, request.body);
      reply.header('location', `/v1/action-items/${dto.id}`);
      return sendEntity(request, reply, dto, 201);
    },
  );

  app.get(
    '/iterations/:id/action-items',
    {
      config: { access: 'viewer' },
      schema: {
        operationId: 'listIterationActionItems',
        tags,
        summary: "List an iteration's action items, oldest first",
        description: `Any key. Filter by status; paginated with limit and cursor, and the Link header points at the next page. ${CARRY}`,
        params: IdParams,
        querystring: IterationActionItemQuery,
        response: { 200: ActionItemPage, ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const { limit, cursor, status } = request.query;
      return withNextLink(request, reply, listIterationActionItems(ctxOf(request), request.params.id, status, { limit, cursor }));
    },
  );

  app.get(
    '/action-items',
    {
      config: { access: 'viewer' },
      schema: {
        operationId: 'listActionItems',
        tags,
        summary: 'List action items across initiatives: by team, initiative, status, owner, or recurring',
        description:
          'Any key. Oldest first, paginated with limit and cursor; the Link header points at the next page. An unknown team or initiative is a 404. ' +
          "Each item once: an item carried into a later version is listed as its latest copy (the earlier ones, with carried_to set, stay in their iteration's list). recurring=true shows what keeps being postponed.",
        querystring: ActionItemListQuery,
        response: { 200: ActionItemPage, ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const { limit, cursor, ...filters } = request.query;
      return withNextLink(request, reply, listActionItems(ctxOf(request), filters, { limit, cursor }));
    },
  );

  app.get(
    '/action-items/:id',
    {
      config: { access: 'viewer' },
      schema: {
        operationId: 'getActionItem',
        tags,
        summary: 'Get one action item',
        description: 'Any key. Sends an ETag; If-None-Match naming it answers 304.',
        params: IdParams,
        response: { 200: ActionItemSchema, 304: NoContent, ...errorResponses(404) },
      },
    },
    async (request, reply) => sendEntity(request, reply, getActionItem(ctxOf(request), request.params.id)),
  );

  app.patch(
    '/action-items/:id',
    {
      config: { access: 'editor' },
      schema: {
        operationId: 'updateActionItem',
        tags,
        summary: 'Change the title, owner, due date or status of an action item; honours If-Match',
        description:
          "Editors of the initiative's team and admins. Send only the fields to change; null clears owner or due_on. Items of a closed or abandoned iteration are frozen (409); a stale If-Match is a 412.",
        params: IdParams,
        body: UpdateActionItemBody,
        response: { 200: ActionItemSchema, ...errorResponses(404, 409, 412, 413, 415) },
      },
    },
    async (request, reply) =>
      sendEntity(request, reply, updateActionItem(ctxOf(request), request.params.id, request.body, ifMatchOf(request))),
  );
};
