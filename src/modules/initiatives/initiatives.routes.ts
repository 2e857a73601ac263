import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ctxOf } from '../../http/context';
import { ifMatchOf, sendEntity } from '../../http/etag';
import { withNextLink } from '../../http/pagination';
import { errorResponses, IdParams, NoContent } from '../../http/schemas';
import { asRendered } from '../../http/serializer';
import type { z } from 'zod';
import {
  CreateInitiativeBody,
  InitiativeListQuery,
  InitiativePage,
  InitiativeSchema,
  UpdateInitiativeBody,
  type Initiative,
} from './initiatives.schemas';
import { archiveInitiative, createInitiative, getInitiative, listInitiatives, updateInitiative } from './initiatives.service';

const tags = ['initiatives'];

export const initiativeRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/initiatives',
    {
      config: { access: 'editor' },
      schema: {
        operationId: 'createInitiative',
        tags,
        summary: "Create an initiative (admin, or an editor of its team)",
        description:
          "Admins, or editors of the initiative's team. The key is unique and never changes; team and theme are named by id or key (404 if unknown), and a taken key is a 409. The Location header and ETag name the new initiative.",
        body: CreateInitiativeBody,
        response: { 201: InitiativeSchema, ...errorResponses(404, 409, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const dto = createInitiative(ctxOf(request), request.body);
      reply.header('location', `/v1/initiatives/${dto.id}`);
      return sendEntity(request, reply, dto, 201);
    },
  );

  app.get(
    '/initiatives',
    {
      config: { access: 'viewer' },
      schema: {
        operationId: 'listInitiatives',
        tags,
        summary: 'List initiatives, filtered by team, theme, status, horizon, tag, text and more',
        description:
          "Any key. Archived initiatives are hidden unless archived=true or all; updated_since follows changes to an initiative's own fields. Paginated with limit and cursor; the Link header points at the next page.",
        querystring: InitiativeListQuery,
        response: { 200: InitiativePage, ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const { limit, cursor, ...filters } = request.query;
      const page = withNextLink(request, reply, listInitiatives(ctxOf(request), filters, { limit, cursor }));
      return asRendered<z.infer<typeof InitiativePage>>(page);
    },
  );

  app.get(
    '/initiatives/:id',
    {
      config: { access: 'viewer' },
      schema: {
        operationId: 'getInitiative',
        tags,
        summary: 'Get an initiative by id or key, with its current iteration',
        description:
          'Any key; the path takes the id or the key. The ETag covers everything shown, current iteration and health included: If-None-Match answers 304 only while none of it changed.',
        params: IdParams,
        response: { 200: InitiativeSchema, 304: NoContent, ...errorResponses(404) },
      },
    },
    async (request, reply) => sendEntity(request, reply, asRendered<Initiative>(getInitiative(ctxOf(request), request.params.id))),
  );

  app.patch(
    '/initiatives/:id',
    {
      config: { access: 'editor' },
      schema: {
        operationId: 'updateInitiative',
        tags,
        summary: 'Update an initiative; honours If-Match. The key never changes.',
        description:
          'Admins, or editors of its team; send only the fields to change. With If-Match, a change by someone else since your read is a 412, not a lost update. status: active reopens an adopted or stopped initiative, archived: false restores an archived one.',
        params: IdParams,
        body: UpdateInitiativeBody,
        response: { 200: InitiativeSchema, ...errorResponses(404, 409, 412, 413, 415, 422) },
      },
    },
    async (request, reply) =>
      sendEntity(request, reply, updateInitiative(ctxOf(request), request.params.id, request.body, ifMatchOf(request))),
  );

  app.delete(
    '/initiatives/:id',
    {
      config: { access: 'editor' },
      schema: {
        operationId: 'archiveInitiative',
        tags,
        summary: 'Archive an initiative (history is kept; PATCH {"archived": false} restores it); honours If-Match',
        description:
          'Admins, or editors of its team. The initiative and its history stay readable by id or key but leave the lists (archived=true shows them); PATCH {"archived": false} restores it. Honours If-Match (412).',
        params: IdParams,
        response: { 204: NoContent, ...errorResponses(404, 412, 413, 415) },
      },
    },
    async (request, reply) => {
      archiveInitiative(ctxOf(request), request.params.id, ifMatchOf(request));
      return reply.code(204).send();
    },
  );
};
