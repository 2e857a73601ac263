import type { FastifyInstance, onSendHookHandler, RouteOptions } from 'fastify';
import { commitGroup } from '../db/commit-group';
import { ApiError } from './problems';

/**
 * No response leaves before the commit it may depend on: while a commit group is open (see
 * CommitGroup), every response waits for it, a write's so that what it acknowledges is on disk,
 * a read's so that it never shows what might still be rolled back. When the commit fails, the
 * group's responses become 503 problems: nothing they described was saved. Runs last among each
 * route's onSend hooks, after the idempotency hook has stored its response in the group.
 */
export function registerDurableResponses(app: FastifyInstance): void {
  const waitForCommit: onSendHookHandler = function waitForCommit(request, reply, payload, done) {
    const committed = commitGroup(request.server.db).committed();
    if (committed === undefined) return done(null, payload);
    committed.then(
      () => done(null, payload),
      (err: unknown) => {
        request.log.error({ err }, 'commit failed');
        reply.removeHeader('location').removeHeader('etag').header('retry-after', '5');
        done(new ApiError('storage_unavailable', 'The database could not save this change (nothing was saved); retry in a few seconds.'));
      },
    );
  };
  app.addHook('onRoute', (route: RouteOptions) => {
    route.onSend = [...([] as onSendHookHandler[]).concat(route.onSend ?? []), waitForCommit];
  });
}
