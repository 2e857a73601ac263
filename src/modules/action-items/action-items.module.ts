import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { actionItemsKind } from './action-items.kind';
import { actionItemRoutes } from './action-items.routes';

/** Action items: their routes, and the item kind that carries open ones into the next version and diffs them. */
export const actionItemsModule: FastifyPluginAsyncZod = async (app) => {
  app.iterationItems.register(actionItemsKind);
  await app.register(actionItemRoutes);
};
