import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { stagingPath } from './backup';
import { databaseFileProblems, isSqliteFile, syncFile, syncFolder } from './database-file';

export interface RestoreResult {
  target: string;
  /** The files of the database it replaced, renamed <database>.before-restore-<time>[-wal|-shm|-journal]. */
  keptAside: string[];
}

/** What SQLite keeps beside a database file: a write-ahead log and its index, or a rollback journal. */
const COMPANIONS = ['-wal', '-shm', '-journal'];

interface Claim {
  release: () => void;
}

/**
 * Takes the database at `path` from every other process, or refuses. A connection in WAL mode
 * holds a shared lock on the file for as long as it is open, so while a server runs on it,
 * leaving WAL mode (which needs the only connection) fails with SQLITE_BUSY. The lock is the
 * operating system's: a server killed by a crash leaves none behind, so no stale marker can block
 * a restore. Leaving WAL mode also checkpoints the log into the file and deletes the -wal and
 * -shm files, so what is set aside is one self-contained file with every committed write. The
 * exclusive lock on the old file is held until the restored file has replaced it.
 */
function claimDatabase(path: string): Claim | undefined {
  // Nothing there, or a file no server can have open as a database (empty, or not SQLite).
  if (!existsSync(path) || !isSqliteFile(path)) return undefined;
  const db = new Database(path, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 0');
    db.pragma('journal_mode = DELETE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') {
      throw new Error(`${path} is in use: a Roadworks server (or a backup) has it open. Stop the server first; nothing was changed.`);
    }
    throw new Error(`Could not take ${path} for the restore (${(err as Error).message}); nothing was changed. Stop the server and move the file aside by hand, with its -wal and -shm files.`);
  }
  return {
    release: () => {
      db.exec('ROLLBACK');
      db.close();
    },
  };
}

/**
 * Keeps the database at `path` as <path>.before-restore-<time>: the file itself is copied (it stays
 * in place, locked, until the restored file replaces it in one rename, so the path never stands
 * empty for a starting server to create a new database at); companion files, which claimDatabase
 * leaves none of in the usual case, are moved. Returns the files kept and the moves to undo.
 */
function setAside(path: string, now: Date): { kept: string[]; moves: Array<{ from: string; to: string }> } {
  const aside = `${path}.before-restore-${now.toISOString().replace(/[:.]/g, '-')}`;
  const kept: string[] = [];
  if (existsSync(path)) {
    copyFileSync(path, aside);
    syncFile(aside);
    kept.push(aside);
  }
  const moves = COMPANIONS.filter((suffix) => existsSync(path + suffix)).map((suffix) => ({ from: path + suffix, to: aside + suffix }));
  for (const move of moves) {
    renameSync(move.from, move.to);
    kept.push(move.to);
  }
  return { kept, moves };
}

/** Refuses a file that is not a verified Roadworks backup; `staged` is a copy of it that may be opened for writing. */
function verifyBackup(backup: string, staged: string): void {
  if (!existsSync(backup)) throw new Error(`There is no file at ${backup}.`);
  if (!isSqliteFile(backup)) throw new Error(`${backup} is not a SQLite database, so not a Roadworks backup; nothing was changed.`);
  if (existsSync(`${backup}-wal`)) {
    throw new Error(`${backup} has a write-ahead log beside it: it is a live database, not a backup. Back it up with npm run backup and restore that file.`);
  }
  copyFileSync(backup, staged);
  let problems: string[];
  try {
    const db = new Database(staged, { fileMustExist: true });
    try {
      problems = databaseFileProblems(db);
    } finally {
      db.close();
    }
  } catch (err) {
    // A file damaged enough that SQLite cannot even check it (a torn copy).
    problems = [(err as Error).message];
  }
  if (problems.length > 0) throw new Error(`${backup} cannot be restored: ${problems.join('; ')}. Nothing was changed.`);
}

/**
 * Puts a backup in place of the database at `target`: verifies a copy of it beside the target,
 * refuses while any process has the target open, keeps a copy of the current database (with
 * every committed write checkpointed into it) and renames the verified copy over it. The server
 * migrates the restored file on its next start if it comes from an older version.
 */
export function restoreDatabase(opts: { backup: string; target: string; now?: Date }): RestoreResult {
  const backup = resolve(opts.backup);
  const target = resolve(opts.target);
  if (backup === target) throw new Error(`${backup} is the database itself; name a backup file.`);
  mkdirSync(dirname(target), { recursive: true });
  const staged = stagingPath(target);
  try {
    verifyBackup(backup, staged);
    syncFile(staged);
    const claim = claimDatabase(target);
    try {
      const { kept, moves } = setAside(target, opts.now ?? new Date());
      try {
        // One rename replaces the database: there is always a file at the path.
        renameSync(staged, target);
      } catch (err) {
        // Leave the previous database whole, as it was.
        for (const { from, to } of moves) renameSync(to, from);
        throw err;
      }
      syncFolder(dirname(target));
      return { target, keptAside: kept };
    } finally {
      claim?.release();
    }
  } finally {
    for (const suffix of ['', ...COMPANIONS]) rmSync(staged + suffix, { force: true });
  }
}
