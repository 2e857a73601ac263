import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ctxOf } from '../../http/context';
import { withNextLink } from '../../http/pagination';
import { errorResponses } from '../../http/schemas';
import { ActivityPage, ActivityQuery } from './activity.schemas';
import { listActivity } from './activity.service';

export const activityRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/activity',
    {
      config: { access: 'viewer' },
      schema: {
        operationId: 'listActivity',
        tags: ['activity'],
        summary: 'List the activity log, newest first (API key changes are shown to admins only)',
        description:
          'Any key; entries about API keys are shown to admin keys only. Filter by entity, actor, action or a time range (since, until) to follow changes, e.g. to iterations and check-ins, that updated_since does not cover.',
        querystring: ActivityQuery,
        response: { 200: ActivityPage, ...errorResponses() },
      },
    },
    async (request, reply) => {
      const { limit, cursor, entity_type, entity_id, ...rest } = request.query;
      const page = listActivity(ctxOf(request), { ...rest, entityType: entity_type, entityId: entity_id }, { limit, cursor });
      return withNextLink(request, reply, page);
    },
  );
};
