import type Database from 'better-sqlite3';
import type { Db } from './client';
import { commitGroup } from './commit-group';
import { storageFaultOf, storageFaults, type StorageFault } from './storage-faults';

const numberPragma = (sqlite: Database.Database, name: string) => sqlite.pragma(name, { simple: true }) as number;

/** With max_page_count reached and no free page left, the next page a write needs is refused. */
const roomToGrow = (sqlite: Database.Database) =>
  numberPragma(sqlite, 'freelist_count') > 0 || numberPragma(sqlite, 'page_count') < numberPragma(sqlite, 'max_page_count');

/**
 * Tries what a write needs, without waiting for a lock and without changing anything:
 * - BEGIN IMMEDIATE takes the write lock, or fails at once (SQLITE_BUSY) while another process holds it;
 * - setting user_version to its own value is a write, refused on a file SQLite could open only for
 *   reading (BEGIN IMMEDIATE alone is not: SQLite quietly makes it a read transaction there);
 * - room to grow (see roomToGrow);
 * - with `commit`, that write is committed, so a frame reaches the disk: a full disk or an I/O error
 *   shows only then. Without it the transaction is rolled back and nothing reaches the disk.
 * Must not run inside a transaction. Returns the fault found, or undefined.
 */
export function probeWrite(sqlite: Database.Database, { commit = false } = {}): StorageFault | undefined {
  const busyTimeout = numberPragma(sqlite, 'busy_timeout');
  sqlite.pragma('busy_timeout = 0');
  try {
    sqlite.exec('BEGIN IMMEDIATE');
    try {
      sqlite.pragma(`user_version = ${numberPragma(sqlite, 'user_version')}`);
      if (!roomToGrow(sqlite)) return 'full';
      if (commit) sqlite.exec('COMMIT');
    } finally {
      if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
    }
    return undefined;
  } catch (err) {
    const fault = storageFaultOf(err);
    if (fault === undefined) throw err;
    return fault;
  } finally {
    sqlite.pragma(`busy_timeout = ${busyTimeout}`);
  }
}

/**
 * For /readyz: the storage fault that still holds, if any. It probes only while a fault is
 * remembered (a request met one, or the file was opened read-only), so a healthy server's poll
 * costs nothing. The probe holds the write lock for microseconds and never waits for it; it commits
 * its no-op write only when the fault was a full disk or an I/O error, which nothing short of a
 * write to the disk can rule out. A probe that finds nothing forgets the fault.
 */
export function storageReadiness(db: Db): StorageFault | undefined {
  const faults = storageFaults(db);
  const remembered = faults.current;
  if (remembered === undefined) return undefined;
  // An open group holds our own write lock. Its writes are complete (each runs synchronously, within
  // one callback), so committing it now only makes them durable a little sooner.
  commitGroup(db).flush();
  const found = probeWrite(db.$client, { commit: remembered === 'full' || remembered === 'io' });
  if (found === undefined) faults.forget();
  else faults.remember(found);
  return found;
}
