import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import * as schema from './schema';
import { migrateDatabase, migrationStatus } from './migrate';
import { storageFaults } from './storage-faults';
import { probeWrite } from './storage-probe';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export interface DatabaseOptions {
  path: string;
  synchronous?: 'FULL' | 'NORMAL';
  /** The page cache, in MB (2 is SQLite's own default). */
  cacheMb?: number;
  /** How long a write waits for another process's lock (DB_BUSY_TIMEOUT_MS). */
  busyTimeoutMs?: number;
}

/**
 * Opens the SQLite file (creating its folder), sets the pragmas a server needs on every open,
 * and applies pending migrations. `:memory:` gives a private database (tests).
 *
 * A file this process may not write (its mode, a read-only mount) is opened all the same: SQLite
 * then falls back to reading only, quietly. That is found out here, by a write that is rolled
 * back, and remembered as a storage fault, so the server starts and serves reads while writes are
 * answered 503 and /readyz says why; a read-only file cannot be migrated, so it starts only when no
 * migration is pending. The connection stays read-only: once the file is writable, restart.
 */
export function openDatabase({ path, synchronous = 'FULL', cacheMb = 2, busyTimeoutMs = 1000 }: DatabaseOptions): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  let readOnly = false;
  try {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma(`synchronous = ${synchronous}`);
    sqlite.pragma(`busy_timeout = ${busyTimeoutMs}`);
    readOnly = probeWrite(sqlite) === 'read_only';
    if (readOnly) {
      const state = migrationStatus(sqlite);
      if (!state.ready) {
        throw new Error(`The database file is read-only, so it cannot be migrated (${state.detail ?? 'unknown state'}); make it writable and start again.`);
      }
    } else {
      // The start-up integrity check reads every table once: through SQLite's small default cache,
      // so it leaves no high-water mark in memory; the server's own cache is set after it.
      migrateDatabase(sqlite);
    }
    sqlite.pragma(`cache_size = -${Math.round(cacheMb * 1024)}`);
    sqlite.pragma('foreign_keys = ON');
  } catch (err) {
    sqlite.close();
    throw err;
  }
  const db = drizzle(sqlite, { schema }) as Db;
  if (readOnly) storageFaults(db).remember('read_only');
  return db;
}
