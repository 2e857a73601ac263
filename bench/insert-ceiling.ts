/**
 * The ceiling for the check-in write: better-sqlite3 inserting the row a check-in stores, one
 * transaction at a time, into a fresh database file with the server's pragmas and schema.
 */
import Database from 'better-sqlite3';
import { migrateDatabase } from '../src/db/migrate';
import { newId } from '../src/lib/ids';

export interface InsertCeilingOptions {
  path: string;
  synchronous: string;
  seconds: number;
  iterationIds: string[];
  note: string;
  /** Also insert the activity row a check-in writes, in the same transaction. */
  withActivity: boolean;
}

/**
 * A fresh file with the pragmas of src/db/client.ts and the same migrations, so the tables, their
 * indexes and triggers match the server's. Foreign keys stay off: there are no parent rows.
 */
export function openCeilingDatabase(path: string, synchronous: string): Database.Database {
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`synchronous = ${synchronous}`);
  sqlite.pragma('busy_timeout = 5000');
  migrateDatabase(sqlite);
  return sqlite;
}

/** Committed transactions per second (one check-in row each, plus its activity row if asked). */
export function measureInsertCeiling(opts: InsertCeilingOptions): number {
  const sqlite = openCeilingDatabase(opts.path, opts.synchronous);
  try {
    // Foreign keys stay off: the fresh file has no iteration rows for check-ins to point at.
    const checkIn = sqlite.prepare(
      `INSERT INTO check_ins (id, iteration_id, health, note, author_key_id, author_name, created_at)
       VALUES (@id, @iterationId, @health, @note, @authorKeyId, @authorName, @createdAt)`,
    );
    const activity = sqlite.prepare(
      `INSERT INTO activity (id, at, actor_key_id, actor_name, action, entity_type, entity_id, request_id, before, after)
       VALUES (?, ?, ?, ?, 'check_in.created', 'check_in', ?, ?, NULL, ?)`,
    );
    const write = sqlite.transaction((i: number) => {
      const row = {
        id: newId('chk'),
        iterationId: opts.iterationIds[i % opts.iterationIds.length] ?? 'itr_none',
        health: 'on_track',
        note: opts.note,
        authorKeyId: 'key_01bench0000000000000000000',
        authorName: 'bench-admin',
        createdAt: new Date().toISOString(),
      };
      checkIn.run(row);
      if (opts.withActivity) {
        const after = { id: row.id, iteration_id: row.iterationId, health: row.health, note: row.note, author: { key_id: row.authorKeyId, name: row.authorName }, created_at: row.createdAt };
        activity.run(newId('act'), row.createdAt, row.authorKeyId, row.authorName, row.id, `req-${i}`, JSON.stringify(after));
      }
    });
    const end = performance.now() + opts.seconds * 1000;
    const start = performance.now();
    let n = 0;
    // BEGIN IMMEDIATE, as the server's inTransaction does.
    while (performance.now() < end) write.immediate(n++);
    return n / ((performance.now() - start) / 1000);
  } finally {
    sqlite.close();
  }
}
