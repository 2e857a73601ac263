import type { Db } from '../db/client';

/**
 * Runs a write and its activity row atomically. better-sqlite3 is synchronous: the callback must
 * not await. Repositories use the same connection, so their statements join the transaction.
 */
export function inTransaction<T>(db: Db, fn: () => T): T {
  return db.transaction(() => fn(), { behavior: 'immediate' });
}
