import type { FastifyInstance, RouteOptions } from 'fastify';
import { z } from 'zod';

/** The query of a route that takes no parameters: any parameter is unknown, hence refused. */
export const NoQuery = z.object({}).strict();

/**
 * Unknown query parameters are refused, never ignored: a typo in a filter must not silently
 * return everything, nor let a write through. Routes that declare a query schema make it strict;
 * this gives every other route one that accepts nothing. The documentation UI keeps its own.
 */
export function registerStrictQuery(app: FastifyInstance): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    if (route.url === '/docs' || route.url.startsWith('/docs/')) return;
    route.schema = { ...route.schema, querystring: route.schema?.querystring ?? NoQuery };
  });
}
