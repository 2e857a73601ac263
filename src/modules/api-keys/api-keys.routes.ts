import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ctxOf } from '../../http/context';
import { ifMatchOf, sendEntity } from '../../http/etag';
import { withNextLink } from '../../http/pagination';
import { errorResponses, IdParams, NoContent } from '../../http/schemas';
import { ApiKeyListQuery, ApiKeyPage, ApiKeySchema, CreateApiKeyBody, CreatedApiKeySchema } from './api-keys.schemas';
import { createApiKey, getApiKey, listApiKeys, revokeApiKey } from './api-keys.service';

const tags = ['api-keys'];

export const apiKeyRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/api-keys',
    {
      // The secret is stored only as a hash: a replay under an Idempotency-Key shows the key without it.
      config: { access: 'admin', idempotency: { omit: ['secret'] } },
      schema: {
        operationId: 'createApiKey',
        tags,
        summary: 'Create an API key (admin); the secret is shown once',
        description:
          'Admin keys only. An editor key names the teams it may write (404 for an unknown team); admins and viewers take none. The secret appears only in this response (Cache-Control: no-store) and is stored as a hash: keep it.',
        body: CreateApiKeyBody,
        response: { 201: CreatedApiKeySchema, ...errorResponses(404, 413, 415) },
      },
    },
    async (request, reply) => {
      const created = createApiKey(ctxOf(request), request.body);
      reply.header('location', `/v1/api-keys/${created.id}`).header('cache-control', 'no-store');
      return reply.code(201).send(created);
    },
  );

  app.get(
    '/api-keys',
    {
      config: { access: 'admin' },
      schema: {
        operationId: 'listApiKeys',
        tags,
        summary: 'List API keys (admin); secrets are never shown',
        description:
          'Admin keys only. Filter by role or revoked; each key shows its secret_prefix to recognise it, never the secret. Paginated with limit and cursor; the Link header points at the next page.',
        querystring: ApiKeyListQuery,
        response: { 200: ApiKeyPage, ...errorResponses() },
      },
    },
    async (request, reply) => {
      const { limit, cursor, ...filters } = request.query;
      return withNextLink(request, reply, listApiKeys(ctxOf(request), filters, { limit, cursor }));
    },
  );

  app.get(
    '/api-keys/:id',
    {
      config: { access: 'admin' },
      schema: {
        operationId: 'getApiKey',
        tags,
        summary: 'Get an API key (admin)',
        description:
          'Admin keys only. Sends an ETag; with If-None-Match naming it the answer is 304.',
        params: IdParams,
        response: { 200: ApiKeySchema, 304: NoContent, ...errorResponses(404) },
      },
    },
    async (request, reply) => sendEntity(request, reply, getApiKey(ctxOf(request), request.params.id)),
  );

  app.delete(
    '/api-keys/:id',
    {
      config: { access: 'admin' },
      schema: {
        operationId: 'revokeApiKey',
        tags,
        summary: 'Revoke an API key (admin); it answers 401 from then on',
        description:
          'Admin keys only. The key answers 401 from then on; revoking it again is harmless. 409 for the last active admin key and for the ADMIN_API_KEY key (rotate that by changing the setting); honours If-Match.',
        params: IdParams,
        response: { 204: NoContent, ...errorResponses(404, 409, 412, 413, 415) },
      },
    },
    async (request, reply) => {
      revokeApiKey(ctxOf(request), request.params.id, ifMatchOf(request));
      return reply.code(204).send();
    },
  );
};
