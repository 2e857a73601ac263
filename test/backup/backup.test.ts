import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, copyFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restoreDatabase } from '../../src/db/restore';
import { CRASH_ADMIN_KEY, seedLoad } from '../helpers/crash-run';
import { bundleFolder, bundleServer, bundleTool, childEnv, REPO_ROOT, startServer, type ServerProcess } from '../helpers/server-process';
import { AppliedWrites, databaseProblems, sideEffectProblems } from '../helpers/write-checks';
import { makeWorkers, WriteLoad, type LoadTargets, type Target, type Write } from '../helpers/write-load';

/**
 * `npm run backup` and `npm run restore` (scripts/backup.ts, scripts/restore.ts, bundled as the
 * npm scripts bundle them) against a server in a child process: an online backup under write
 * load, a quiet one compared row for row, a restore into a new file that a server then serves,
 * and the refusals that keep a restore from doing harm.
 */

let dir: string;
let folder: ReturnType<typeof bundleFolder>;
const tools = { server: '', backup: '', restore: '' };
let source: ServerProcess;
let sourcePath: string;
let targets: LoadTargets;
const target: Target = { url: '', key: CRASH_ADMIN_KEY };
/** Every write of the load on the source database. */
const writes: Write[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'roadworks-backup-'));
  folder = bundleFolder();
  [tools.server, tools.backup, tools.restore] = await Promise.all([bundleServer(folder.path), bundleTool('scripts/backup.ts', folder.path), bundleTool('scripts/restore.ts', folder.path)]);
  sourcePath = join(dir, 'source.sqlite');
  source = await start(sourcePath);
  target.url = source.url;
  targets = await seedLoad(target);
}, 60_000);

afterAll(async () => {
  await source?.kill();
  folder?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const start = (databasePath: string) =>
  startServer({ bundle: tools.server, databasePath, adminKey: CRASH_ADMIN_KEY, settings: { RATE_LIMIT_MAX: '1000000000', SHUTDOWN_DRAIN_MS: '0' } });

/** Runs a bundled tool in its own process, as `npm run backup|restore -- <args>` does. */
function runTool(tool: string, args: string[], databasePath: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tool, ...args], { cwd: REPO_ROOT, env: childEnv({ DATABASE_PATH: databasePath }) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Every table of a database file, each as its rows (JSON, sorted). */
function tables(path: string): Record<string, string[]> {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const names = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
    return Object.fromEntries(names.map((t) => [t, (db.prepare(`SELECT * FROM "${t}"`).raw().all() as unknown[][]).map((r) => JSON.stringify(r)).sort()]));
  } finally {
    db.close();
  }
}

const counts = (path: string) => Object.fromEntries(Object.entries(tables(path)).map(([t, rows]) => [t, rows.length]));

function withDb<T>(path: string, fn: (db: Database.Database) => T): T {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

const digest = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const asideFiles = (folderPath: string) => readdirSync(folderPath).filter((f) => f.includes('.before-restore-'));

async function postMeasurement(url: string): Promise<number> {
  const res = await fetch(`${url}/v1/measurements`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CRASH_ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ metric: targets.metric, iteration: targets.ledgerIteration, value: 1 }),
  });
  await res.arrayBuffer();
  return res.status;
}

describe('npm run backup', () => {
  it('copies the database while the server writes: a sound snapshot holding every write acknowledged before it began', { timeout: 60_000 }, async () => {
    const load = new WriteLoad(makeWorkers(targets, 'online'));
    const running = load.run(target);
    await sleep(400);
    const acknowledgedBefore = load.writes.filter((w) => w.answer);
    const before = counts(sourcePath);
    const backupPath = join(dir, 'online.sqlite');
    const result = await runTool(tools.backup, [backupPath], sourcePath);
    const after = counts(sourcePath);
    await sleep(200);
    load.stop();
    expect(await running).toEqual([]);
    writes.push(...load.writes);
    expect(load.failures).toEqual([]);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Backed up .*source\.sqlite to .*online\.sqlite: [\d.]+ MB, integrity checked, in [\d.]+ s\.\n$/);
    // The writes went on while it ran, and the backup is one of the states in between.
    expect(after.measurements).toBeGreaterThan(before.measurements!);
    const copied = counts(backupPath);
    for (const [table, n] of Object.entries(copied)) {
      expect(n, table).toBeGreaterThanOrEqual(before[table]!);
      expect(n, table).toBeLessThanOrEqual(after[table]!);
    }
    withDb(backupPath, (db) => {
      // One committed state: SQLite's checks, the rollups against the ledger, every write with its side effects or not at all.
      expect(databaseProblems(db)).toEqual([]);
      expect(sideEffectProblems(db)).toEqual([]);
      const applied = new AppliedWrites(db);
      expect(acknowledgedBefore.filter((w) => applied.state(w).applied !== 'all').map((w) => w.tag)).toEqual([]);
      expect(load.writes.filter((w) => applied.state(w).applied === 'partial').map((w) => w.tag)).toEqual([]);
    });
    // The ledger and the activity log only grow: every row of the backup is in the database as it is now.
    const now = tables(sourcePath);
    const copiedRows = tables(backupPath);
    for (const table of ['activity', 'check_ins']) {
      const present = new Set(now[table]);
      expect(copiedRows[table]!.filter((r) => !present.has(r)), table).toEqual([]);
    }
  });

  it('refuses to replace an existing file unless told to with --force', async () => {
    const backupPath = join(dir, 'online.sqlite');
    const before = digest(backupPath);
    const refused = await runTool(tools.backup, [backupPath], sourcePath);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/online\.sqlite already exists; name a new file, or pass --force to replace it/);
    expect(digest(backupPath)).toBe(before);

    const forced = await runTool(tools.backup, [backupPath, '--force'], sourcePath);
    expect(forced.code, forced.stderr).toBe(0);
    withDb(backupPath, (db) => expect(databaseProblems(db)).toEqual([]));
    // Nothing but the backup itself is left in the folder (the copy is written beside it, then renamed).
    expect(readdirSync(dir).filter((f) => f.includes('.partial'))).toEqual([]);
  });
});

describe('npm run restore', () => {
  it('restores a quiet backup into a new file equal to the database row for row, which a server then serves', { timeout: 60_000 }, async () => {
    const backupPath = join(dir, 'quiet.sqlite');
    expect((await runTool(tools.backup, [backupPath], sourcePath)).code).toBe(0);
    const original = tables(sourcePath);
    expect(tables(backupPath)).toEqual(original);

    const restoredPath = join(dir, 'restored', 'roadworks.sqlite');
    const result = await runTool(tools.restore, [backupPath], restoredPath);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`Restored ${backupPath} into ${restoredPath}. Start the server to use it.\n`);
    expect(tables(restoredPath)).toEqual(original);

    const restored = await start(restoredPath);
    try {
      // What the load wrote reads back through the API, and the restored database takes writes.
      const res = await fetch(`${restored.url}/v1/iterations/${targets.ledgerIteration}/check-ins?limit=500`, { headers: { authorization: `Bearer ${CRASH_ADMIN_KEY}` } });
      expect(res.status).toBe(200);
      const served = ((await res.json()) as { data: Array<{ note: string }> }).data.map((c) => c.note).sort();
      const acknowledged = writes.filter((w) => w.kind === 'check-in' && w.answer && w.path.includes(targets.ledgerIteration)).map((w) => w.tag);
      expect(served).toEqual(expect.arrayContaining(acknowledged));
      expect(await postMeasurement(restored.url)).toBe(201);
    } finally {
      await restored.stop();
    }
  });

  it('refuses while a server has the database open, and changes nothing', async () => {
    const backupPath = join(dir, 'quiet.sqlite');
    const before = counts(sourcePath);
    const result = await runTool(tools.restore, [backupPath], sourcePath);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/source\.sqlite is in use: a Roadworks server \(or a backup\) has it open\. Stop the server first; nothing was changed\./);
    expect(asideFiles(dir)).toEqual([]);
    expect(counts(sourcePath)).toEqual(before);
    // The server goes on as before.
    expect(await postMeasurement(source.url)).toBe(201);
  });

  it('refuses a file that is not a sound Roadworks database', async () => {
    const restoredPath = join(dir, 'restored', 'roadworks.sqlite');
    const before = digest(restoredPath);
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'not a database\n');
    const foreign = join(dir, 'foreign.sqlite');
    const other = new Database(foreign);
    other.exec('CREATE TABLE things (id INTEGER PRIMARY KEY)');
    other.close();
    const torn = join(dir, 'torn.sqlite');
    copyFileSync(join(dir, 'quiet.sqlite'), torn);
    truncateSync(torn, Math.floor(readFileSync(torn).length / 2));

    // Through the command, then the other refusals through the function it calls (same messages, no process start each).
    const result = await runTool(tools.restore, [text], restoredPath);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^Restore failed: .*notes\.txt is not a SQLite database, so not a Roadworks backup; nothing was changed\.\n$/);
    const refusals = [
      [foreign, /foreign\.sqlite cannot be restored: it is not a Roadworks database \(it has no __drizzle_migrations, api_keys, teams, initiatives, iterations, activity table\)/],
      [torn, /torn\.sqlite cannot be restored: (integrity_check|database disk image is malformed)/],
      [join(dir, 'missing.sqlite'), /There is no file at .*missing\.sqlite\./],
    ] as const;
    for (const [file, message] of refusals) expect(() => restoreDatabase({ backup: file, target: restoredPath }), file).toThrow(message);
    expect(digest(restoredPath)).toBe(before);
    expect(asideFiles(join(dir, 'restored'))).toEqual([]);
    expect(readdirSync(join(dir, 'restored')).filter((f) => f.includes('.partial'))).toEqual([]);
  });

  it('replaces the database a killed server left behind, keeping it aside with every committed write', { timeout: 60_000 }, async () => {
    // Writes right up to the kill: the -wal file holds commits not yet in the database file.
    const load = new WriteLoad(makeWorkers(targets, 'killed'));
    const running = load.run(target);
    await sleep(300);
    const killed = source.kill();
    load.stop();
    await running;
    await killed;
    writes.push(...load.writes);
    expect(existsSync(`${sourcePath}-wal`)).toBe(true);

    const backupPath = join(dir, 'quiet.sqlite');
    const result = await runTool(tools.restore, [backupPath], sourcePath);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const [aside, ...others] = asideFiles(dir);
    expect(others).toEqual([]);
    expect(aside).toMatch(/^source\.sqlite\.before-restore-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z$/);
    expect(result.stdout).toBe(`Restored ${backupPath} into ${sourcePath}. The database it replaced is kept as ${join(dir, aside!)}. Start the server to use it.\n`);

    // The restored database is the backup, with no log of the old one beside it.
    expect(existsSync(`${sourcePath}-wal`)).toBe(false);
    expect(existsSync(`${sourcePath}-shm`)).toBe(false);
    expect(tables(sourcePath)).toEqual(tables(backupPath));
    // What was set aside holds every write ever acknowledged on it, the log checkpointed in.
    withDb(join(dir, aside!), (db) => {
      expect(databaseProblems(db)).toEqual([]);
      const applied = new AppliedWrites(db);
      expect(writes.filter((w) => w.answer && applied.state(w).applied !== 'all').map((w) => w.tag)).toEqual([]);
    });

    source = await start(sourcePath);
    expect(await postMeasurement(source.url)).toBe(201);
  });
});
