import { commitGroup } from '../db/commit-group';
import type { Db } from '../db/client';

/**
 * Runs a write and its activity row atomically. The write joins this turn's commit group (see
 * CommitGroup) as a savepoint: a throw undoes it alone, and it becomes durable with the group's
 * commit, before its response is sent. better-sqlite3 is synchronous: the callback must not await.
 * Repositories use the same connection, so their statements join the transaction.
 */
export function inTransaction<T>(db: Db, fn: () => T): T {
  commitGroup(db).join();
  return db.transaction(() => fn());
}
