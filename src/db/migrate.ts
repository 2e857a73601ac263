import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';

/**
 * The project's migrations folder: the nearest `migrations/meta/_journal.json` above this module,
 * wherever it runs from (src/db under tsx and vitest, the esbuild bundle in dist/bin under npm start).
 */
function findMigrationsFolder(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'migrations', 'meta', '_journal.json'))) return join(dir, 'migrations');
    if (dirname(dir) === dir) throw new Error('No migrations folder (migrations/meta/_journal.json) found above the server code.');
  }
}

export const MIGRATIONS_FOLDER = findMigrationsFolder();

function appliedMigrations(sqlite: Database.Database): number {
  const table = sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'").get();
  if (table === undefined) return 0;
  return (sqlite.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number }).n;
}

/**
 * Applies pending migrations with foreign keys off (table rebuilds would otherwise cascade-delete
 * child rows), then, when any was applied, verifies referential integrity before the service may
 * start. A plain restart skips that check: it reads every table (seconds on a large ledger), and
 * every write the server itself makes runs with foreign keys on.
 */
export function migrateDatabase(sqlite: Database.Database, migrationsFolder = MIGRATIONS_FOLDER): void {
  sqlite.pragma('foreign_keys = OFF');
  const before = appliedMigrations(sqlite);
  migrate(drizzle(sqlite), { migrationsFolder });
  if (appliedMigrations(sqlite) === before) return;
  const violations = sqlite.pragma('foreign_key_check') as Array<{ table: string; rowid: number; parent: string }>;
  // The check read every table through the page cache; hand that memory back before serving.
  sqlite.pragma('shrink_memory');
  if (violations.length > 0) {
    const sample = violations
      .slice(0, 5)
      .map((v) => `${v.table} row ${v.rowid} -> ${v.parent}`)
      .join('; ');
    throw new Error(
      `Database integrity check failed after migration: ${violations.length} foreign key violation(s) (${sample}). ` +
        'Restore from a backup or repair the rows before starting.',
    );
  }
}

const journalSizes = new Map<string, number>();

function expectedMigrations(folder: string): number {
  let n = journalSizes.get(folder);
  if (n === undefined) {
    n = (JSON.parse(readFileSync(`${folder}/meta/_journal.json`, 'utf8')) as { entries: unknown[] }).entries.length;
    journalSizes.set(folder, n);
  }
  return n;
}

/** Whether the database answers and every migration in the folder has been applied (for /readyz). */
export function migrationStatus(
  sqlite: Database.Database,
  migrationsFolder = MIGRATIONS_FOLDER,
): { ready: boolean; detail?: string; error?: Error } {
  try {
    const expected = expectedMigrations(migrationsFolder);
    const row = sqlite.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number };
    if (row.n < expected) return { ready: false, detail: `${expected - row.n} migration(s) pending` };
    return { ready: true };
  } catch (err) {
    // The caller logs the error; what a client sees names no internals.
    return { ready: false, detail: 'the database does not answer', error: err as Error };
  }
}
