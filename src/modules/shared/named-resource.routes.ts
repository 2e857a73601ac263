import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ctxOf } from '../../http/context';
import { ifMatchOf, sendEntity } from '../../http/etag';
import { withNextLink } from '../../http/pagination';
import { errorResponses, IdParams, NoContent } from '../../http/schemas';
import type { namedSchemas } from './named-resource.schemas';
import type { namedService } from './named-resource.service';

export interface NamedRoutesOptions {
  /** Collection path and OpenAPI tag, e.g. `teams`. */
  plural: string;
  /** Used in operation ids, e.g. `Team`. */
  singular: string;
  schemas: ReturnType<typeof namedSchemas>;
  service: ReturnType<typeof namedService>;
}

/** CRUD routes for an admin-managed keyed entry: anyone reads, admins write. */
export function namedRoutes({ plural, singular, schemas, service }: NamedRoutesOptions): FastifyPluginAsyncZod {
  const tags = [plural];
  const noun = singular.toLowerCase();
  return async (app) => {
    app.post(
      `/${plural}`,
      {
        config: { access: 'admin' },
        schema: {
          operationId: `create${singular}`,
          tags,
          summary: `Create a ${noun} (admin)`,
          description: `Admin keys only. The key is unique (409 if taken) and never changes; anywhere a ${noun} is named, its id or key will do. The Location header names the new ${noun}.`,
          body: schemas.Create,
          response: { 201: schemas.Entity, ...errorResponses(409, 413, 415) },
        },
      },
      async (request, reply) => {
        const dto = service.create(ctxOf(request), request.body);
        reply.header('location', `/v1/${plural}/${dto.id}`);
        return sendEntity(request, reply, dto, 201);
      },
    );

    app.get(
      `/${plural}`,
      {
        config: { access: 'viewer' },
        schema: {
          operationId: `list${singular}s`,
          tags,
          summary: `List ${plural}`,
          description: 'Any key. Paginated with limit and cursor; the Link header points at the next page.',
          querystring: schemas.ListQuery,
          response: { 200: schemas.Page, ...errorResponses() },
        },
      },
      async (request, reply) => withNextLink(request, reply, service.list(ctxOf(request), request.query)),
    );

    app.get(
      `/${plural}/:id`,
      {
        config: { access: 'viewer' },
        schema: {
          operationId: `get${singular}`,
          tags,
          summary: `Get a ${noun} by id or key`,
          description: 'Any key. Sends an ETag; with If-None-Match naming it the answer is 304.',
          params: IdParams,
          response: { 200: schemas.Entity, 304: NoContent, ...errorResponses(404) },
        },
      },
      async (request, reply) => sendEntity(request, reply, service.get(ctxOf(request), request.params.id)),
    );

    app.patch(
      `/${plural}/:id`,
      {
        config: { access: 'admin' },
        schema: {
          operationId: `update${singular}`,
          tags,
          summary: `Update a ${noun} (admin); honours If-Match`,
          description: 'Admin keys only. Send only name or description; the key never changes. A change by someone else since the ETag sent in If-Match is a 412, not a lost update.',
          params: IdParams,
          body: schemas.Update,
          response: { 200: schemas.Entity, ...errorResponses(404, 412, 413, 415) },
        },
      },
      async (request, reply) =>
        sendEntity(request, reply, service.update(ctxOf(request), request.params.id, request.body, ifMatchOf(request))),
    );

    app.delete(
      `/${plural}/:id`,
      {
        config: { access: 'admin' },
        schema: {
          operationId: `delete${singular}`,
          tags,
          summary: `Delete a ${noun} that nothing refers to (admin); honours If-Match`,
          description: `Admin keys only. 409 while anything still refers to the ${noun}: reassign it first. The activity log keeps its last state.`,
          params: IdParams,
          response: { 204: NoContent, ...errorResponses(404, 409, 412, 413, 415) },
        },
      },
      async (request, reply) => {
        service.remove(ctxOf(request), request.params.id, ifMatchOf(request));
        return reply.code(204).send();
      },
    );
  };
}
