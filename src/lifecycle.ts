import type { FastifyInstance } from 'fastify';
import type { Db } from './db/client';
import { beginDraining } from './http/draining';

/**
 * Graceful shutdown: stop accepting connections, answer late requests 503, let in-flight requests
 * finish, then close the database. Past `timeoutMs` the remaining sockets are destroyed.
 * Resolves true when everything finished in time.
 */
export async function shutdown(app: FastifyInstance, db: Db, timeoutMs: number): Promise<boolean> {
  beginDraining(app);
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
    if (db.$client.open) db.$client.close();
  }
}
