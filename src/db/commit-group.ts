import type Database from 'better-sqlite3';
import type { Db } from './client';
import { perDb } from '../lib/per-db';
import { StorageFaultError, StorageFaults, storageFaults } from './storage-faults';

/**
 * After a write waited busy_timeout for another process's lock in vain, writes in the following
 * window (the Retry-After its client got) try the lock without waiting: BEGIN IMMEDIATE's wait
 * blocks the event loop, so one wait per window, however many writes arrive, instead of one each.
 */
const FAIL_FAST_MS = 5000;

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
  /** faults.count when the open group began: a fault noted since then is why SQLite rolled it back. */
  private faultsAtBegin = 0;
  /** performance.now() when a write last waited for the lock in vain. */
  private waitedInVainAt = -Infinity;

  constructor(
    private readonly sqlite: Database.Database,
    private readonly faults = new StorageFaults(),
  ) {}

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
    this.begin();
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

  /** BEGIN IMMEDIATE; a lock fault is remembered, and forgotten once the lock is taken again. */
  private begin(): void {
    const failFast = performance.now() - this.waitedInVainAt < FAIL_FAST_MS;
    const busyTimeout = failFast ? (this.sqlite.pragma('busy_timeout', { simple: true }) as number) : 0;
    if (failFast) this.sqlite.pragma('busy_timeout = 0');
    try {
      this.sqlite.exec('BEGIN IMMEDIATE');
    } catch (err) {
      if (this.faults.note(err) === 'locked' && !failFast) this.waitedInVainAt = performance.now();
      throw err;
    } finally {
      if (failFast) this.sqlite.pragma(`busy_timeout = ${busyTimeout}`);
    }
    this.faultsAtBegin = this.faults.count;
    if (this.faults.current === 'locked') this.faults.forget();
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
    if (!this.sqlite.inTransaction) {
      // SQLite rolled the group back itself (a full disk, an I/O error): the write that failed noted why.
      const fault = this.faults.count > this.faultsAtBegin ? this.faults.current : undefined;
      pending.reject(fault ? new StorageFaultError(fault) : new Error('The transaction was rolled back before its commit'));
      return;
    }
    try {
      this.sqlite.exec('COMMIT');
      pending.resolve();
    } catch (err) {
      this.faults.note(err);
      if (this.sqlite.inTransaction) this.sqlite.exec('ROLLBACK');
      pending.reject(err as Error);
    }
  }
}

export const commitGroup = perDb((db: Db) => new CommitGroup(db.$client, storageFaults(db)));
