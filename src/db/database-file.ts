import { closeSync, fsyncSync, openSync, readSync } from 'node:fs';
import type Database from 'better-sqlite3';

/** The 16 bytes every SQLite 3 database file starts with. */
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/** Whether the file starts like a SQLite database (an empty or foreign file does not). */
export function isSqliteFile(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(SQLITE_HEADER.length);
    return readSync(fd, head, 0, head.length, 0) === head.length && head.equals(SQLITE_HEADER);
  } finally {
    closeSync(fd);
  }
}

/** Tables every Roadworks database has had since its first migration. */
const ROADWORKS_TABLES = ['__drizzle_migrations', 'api_keys', 'teams', 'initiatives', 'iterations', 'activity'];

/**
 * Why an open SQLite database is not a sound Roadworks database: tables missing, SQLite's
 * integrity_check or foreign_key_check failing. [] when it is sound.
 */
export function databaseFileProblems(sqlite: Database.Database): string[] {
  const tables = new Set(sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]);
  const missing = ROADWORKS_TABLES.filter((t) => !tables.has(t));
  if (missing.length > 0) return [`it is not a Roadworks database (it has no ${missing.join(', ')} table)`];
  const integrity = (sqlite.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check).filter((r) => r !== 'ok');
  const problems = integrity.slice(0, 5).map((r) => `integrity_check: ${r}`);
  const violations = (sqlite.pragma('foreign_key_check') as unknown[]).length;
  if (violations > 0) problems.push(`foreign_key_check: ${violations} row(s) refer to rows that do not exist`);
  return problems;
}

/** Forces a file's content to the disk. */
export function syncFile(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Forces a folder's entries (a rename into it) to the disk, where the platform allows it. */
export function syncFolder(path: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    fsyncSync(fd);
  } catch (err) {
    // Some platforms cannot open or fsync a folder (EISDIR, EPERM, EINVAL): the rename stands, unsynced.
    if (!['EISDIR', 'EPERM', 'EINVAL'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
