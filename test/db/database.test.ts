import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client';
import { MIGRATIONS_FOLDER, migrateDatabase, migrationStatus } from '../../src/db/migrate';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'roadworks-db-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('opening the database', () => {
  it('creates the folder and file, and sets WAL, synchronous, foreign keys, busy_timeout and the page cache', () => {
    const path = join(dir, 'nested', 'a.sqlite');
    for (const [setting, expected] of [['FULL', 2], ['NORMAL', 1]] as const) {
      const db = openDatabase({ path, synchronous: setting });
      const p = (name: string) => db.$client.pragma(name, { simple: true });
      expect(p('journal_mode')).toBe('wal');
      expect(p('synchronous')).toBe(expected);
      expect(p('foreign_keys')).toBe(1);
      expect(p('busy_timeout')).toBe(1000);
      expect(p('cache_size')).toBe(-2 * 1024);
      expect(migrationStatus(db.$client)).toEqual({ ready: true });
      db.$client.close();
    }
    const small = openDatabase({ path, cacheMb: 8 });
    expect(small.$client.pragma('cache_size', { simple: true })).toBe(-8 * 1024);
    small.$client.close();
  });

  it('after applying a migration, refuses to start when rows break a reference, naming the table', () => {
    const path = join(dir, 'broken.sqlite');
    const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] };
    const older = join(dir, 'migrations-older');
    cpSync(MIGRATIONS_FOLDER, older, { recursive: true });
    writeFileSync(join(older, 'meta', '_journal.json'), JSON.stringify({ ...journal, entries: journal.entries.slice(0, -1) }));
    const raw = new Database(path);
    migrateDatabase(raw, older);
    raw.pragma('foreign_keys = OFF');
    raw
      .prepare(
        `INSERT INTO initiatives (id, key, title, team_id, horizon, status, tags, attributes, version, created_at, updated_at)
         VALUES ('ini_orphan', 'orphan', 'Orphan', 'team_gone', 'now', 'active', '[]', '{}', 1, 'x', 'x')`,
      )
      .run();
    raw.close();
    expect(() => openDatabase({ path })).toThrow(/foreign key violation.*initiatives/);
  });

  it('a plain restart (no migration pending) does not read every table again', () => {
    const path = join(dir, 'restart.sqlite');
    openDatabase({ path }).$client.close();
    const raw = new Database(path);
    raw.pragma('foreign_keys = OFF');
    raw
      .prepare(
        `INSERT INTO initiatives (id, key, title, team_id, horizon, status, tags, attributes, version, created_at, updated_at)
         VALUES ('ini_orphan', 'orphan', 'Orphan', 'team_gone', 'now', 'active', '[]', '{}', 1, 'x', 'x')`,
      )
      .run();
    raw.close();
    // The orphan was written around the server (foreign keys off); only a migration re-checks.
    const db = openDatabase({ path });
    expect(db.$client.pragma('foreign_key_check')).toHaveLength(1);
    db.$client.close();
  });

  it('readiness reports migrations that exist but were not applied', () => {
    const folder = join(dir, 'migrations');
    cpSync(MIGRATIONS_FOLDER, folder, { recursive: true });
    const sqlite = new Database(':memory:');
    migrateDatabase(sqlite, folder);
    expect(migrationStatus(sqlite, folder)).toEqual({ ready: true });

    const journalPath = join(folder, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: Array<Record<string, unknown>> };
    journal.entries.push({ ...journal.entries[0], idx: journal.entries.length, tag: '9999_pending' });
    writeFileSync(journalPath, JSON.stringify(journal));
    // The expected count is read once per folder, as the server does: look at a fresh copy.
    const other = join(dir, 'migrations-2');
    cpSync(folder, other, { recursive: true });
    expect(migrationStatus(sqlite, other)).toEqual({ ready: false, detail: '1 migration(s) pending' });
    sqlite.close();
  });
});
