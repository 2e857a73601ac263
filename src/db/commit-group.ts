import type Database from 'better-sqlite3';
import type { Db } from './client';
import { perDb } from '../lib/per-db';

interface Pending {
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * Group commit. The writes of the requests handled in one turn of the event loop share one
 * transaction, hence one fsync: the first write opens it (BEGIN IMMEDIATE), each request's write
 * runs as a savepoint inside it (better-sqlite3 nests transactions that way), so a failed write
 * undoes itself alone, and the transaction commits once that turn's callbacks are done
 * (setImmediate). No response leaves before the commit it depends on (see registerDurableResponses):
 * an acknowledged write is on disk, and a failed commit turns every response of its group into a
 * 503. Under load many requests arrive per turn and share the fsync; alone, a write is one
 * transaction and one fsync, as before.
 */
export class CommitGroup {
  private pending: Pending | undefined;

  constructor(private readonly sqlite: Database.Database) {}

  /** Opens the shared transaction unless one is open: the caller's writes join it. */
  join(): void {
    if (this.pending !== undefined) {
      if (this.sqlite.inTransaction) return;
      // SQLite rolled the whole group back (an I/O error, a full disk): its writes are lost, so
      // its responses fail; this write starts a new group instead of committing on its own.
      this.flush();
    } else if (this.sqlite.inTransaction) {
      return;
    }
    this.sqlite.exec('BEGIN IMMEDIATE');
    let resolve!: () => void;
    let reject!: (err: Error) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Nobody may be waiting yet (a write whose response fails earlier); never an unhandled rejection.
    promise.catch(() => undefined);
    this.pending = { promise, resolve, reject };
    setImmediate(() => this.flush());
  }

  /** Settles when what was written so far is durable; undefined when nothing waits to be committed. */
  committed(): Promise<void> | undefined {
    return this.pending?.promise;
  }

  /** Commits the open group now (also at shutdown, before the database closes). */
  flush(): void {
    const pending = this.pending;
    if (pending === undefined) return;
    this.pending = undefined;
    try {
      this.sqlite.exec('COMMIT');
      pending.resolve();
    } catch (err) {
      if (this.sqlite.inTransaction) this.sqlite.exec('ROLLBACK');
      pending.reject(err as Error);
    }
  }
}

export const commitGroup = perDb((db: Db) => new CommitGroup(db.$client));
