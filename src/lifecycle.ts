import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { commitGroup } from './db/commit-group';
import type { Db } from './db/client';
import { beginDraining } from './http/draining';

export interface ShutdownOptions {
  /**
   * How long to keep accepting connections while answering 503 before closing the listener:
   * requests already queued on the socket get a clear 503 instead of a connection reset, and a
   * load balancer polling /readyz sees the instance go unavailable first.
   */
  drainMs?: number;
  /** How long in-flight requests get to finish after the listener closes. */
  timeoutMs: number;
}

/**
 * Graceful shutdown: answer new requests 503, stop accepting connections, let in-flight requests
 * finish, then close the database. Past `timeoutMs` the remaining sockets are destroyed.
 * Resolves true when everything finished in time.
 */
export async function shutdown(app: FastifyInstance, db: Db, { drainMs = 0, timeoutMs }: ShutdownOptions): Promise<boolean> {
  beginDraining(app);
  if (drainMs > 0) await sleep(drainMs);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => {
      app.server.closeAllConnections();
      resolve(false);
    }, timeoutMs);
  });
  try {
    return await Promise.race([app.close().then(() => true as const), timedOut]);
  } finally {
    clearTimeout(timer);
    if (db.$client.open) {
      commitGroup(db).flush();
      db.$client.close();
    }
  }
}
