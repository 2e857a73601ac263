import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import * as schema from './schema';
import { migrateDatabase } from './migrate';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export interface DatabaseOptions {
  path: string;
  synchronous?: 'FULL' | 'NORMAL';
  /** The page cache, in MB (2 is SQLite's own default). */
  cacheMb?: number;
}

/**
 * Opens the SQLite file (creating its folder), sets the pragmas a server needs on every open,
 * and applies pending migrations. `:memory:` gives a private database (tests).
 */
export function openDatabase({ path, synchronous = 'FULL', cacheMb = 2 }: DatabaseOptions): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  try {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma(`synchronous = ${synchronous}`);
    sqlite.pragma('busy_timeout = 5000');
    // The start-up integrity check reads every table once: through SQLite's small default cache,
    // so it leaves no high-water mark in memory; the server's own cache is set after it.
    migrateDatabase(sqlite);
    sqlite.pragma(`cache_size = -${Math.round(cacheMb * 1024)}`);
    sqlite.pragma('foreign_keys = ON');
  } catch (err) {
    sqlite.close();
    throw err;
  }
  return drizzle(sqlite, { schema }) as Db;
}
