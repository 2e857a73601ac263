import { Readable } from 'node:stream';
import type { FastifyInstance, onSendHookHandler, RouteOptions } from 'fastify';
import { commitGroup } from '../db/commit-group';
import { storageFaultOf } from '../db/storage-faults';
import { problemPayload } from './error-handler';
import { storageUnavailable } from './storage-unavailable';

/**
 * No response leaves before the commit it may depend on: while a commit group is open (see
 * CommitGroup), every response waits for it, a write's so that what it acknowledges is on disk,
 * a read's so that it never shows what might still be rolled back. When the commit fails, the
 * group's responses become 503 problems, error responses included: nothing they described was
 * saved. Runs last among each route's onSend hooks, after the idempotency hook has stored its
 * response in the group.
 */
export function registerDurableResponses(app: FastifyInstance): void {
  const waitForCommit: onSendHookHandler = function waitForCommit(request, reply, payload, done) {
    const committed = commitGroup(request.server.db).committed();
    if (committed === undefined) return done(null, payload);
    committed.then(
      () => done(null, payload),
      (err: unknown) => {
        request.log.error({ err }, 'commit failed');
        // Whatever this response said (an error too may rest on a write of the group), it is now a 503.
        if (payload instanceof Readable) payload.destroy();
        reply.removeHeader('location').removeHeader('etag').removeHeader('content-disposition').removeHeader('content-length');
        done(null, problemPayload(request, reply, storageUnavailable(storageFaultOf(err))));
      },
    );
  };
  app.addHook('onRoute', (route: RouteOptions) => {
    route.onSend = [...([] as onSendHookHandler[]).concat(route.onSend ?? []), waitForCommit];
  });
}
