import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER, migrateDatabase } from '../../src/db/migrate';
import { rollupDrift } from '../helpers/rollup-check';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'roadworks-rollups-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A migrations folder holding only the first `n` migrations. */
function firstMigrations(n: number): string {
  const folder = join(dir, `migrations-${n}`);
  cpSync(MIGRATIONS_FOLDER, folder, { recursive: true });
  const journalPath = join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: unknown[] };
  writeFileSync(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, n) }));
  return folder;
}

const T = (day: number) => `2026-01-${String(day).padStart(2, '0')}T09:00:00.000Z`;

function insertHistory(db: Database.Database, ini: string, statuses: string[], checkIns: Array<[number, string, string]>): void {
  db.prepare(
    `INSERT INTO initiatives (id, key, title, team_id, horizon, status, tags, attributes, version, created_at, updated_at)
     VALUES (?, ?, 'x', 'team_1', 'now', 'active', '[]', '{}', 1, ?, ?)`,
  ).run(ini, ini.replace('_', '-'), T(1), T(1));
  statuses.forEach((status, n) =>
    db
      .prepare(`INSERT INTO iterations (id, initiative_id, number, title, status, version, created_at, updated_at) VALUES (?, ?, ?, 'v', ?, 1, ?, ?)`)
      .run(`${ini}_v${n + 1}`, ini, n + 1, status, T(1), T(1)),
  );
  for (const [v, health, at] of checkIns) {
    db.prepare(`INSERT INTO check_ins (id, iteration_id, health, author_key_id, author_name, created_at) VALUES (?, ?, ?, 'k', 'k', ?)`).run(
      `chk_${ini}_${v}_${health}_${at}`,
      `${ini}_v${v}`,
      health,
      at,
    );
  }
}

describe('rollups', () => {
  it('are backfilled from the history already there when the migration runs', () => {
    const db = new Database(join(dir, 'backfill.sqlite'));
    migrateDatabase(db, firstMigrations(1));
    db.prepare(`INSERT INTO teams (id, key, name, version, created_at, updated_at) VALUES ('team_1', 'revops', 'R', 1, 'x', 'x')`).run();
    insertHistory(db, 'ini_active', ['closed', 'under_construction', 'planned'], [[2, 'at_risk', T(3)], [2, 'on_track', T(5)], [2, 'off_track', T(4)]]);
    insertHistory(db, 'ini_ended', ['closed', 'abandoned'], [[1, 'on_track', T(2)]]);
    insertHistory(db, 'ini_empty', [], []);
    migrateDatabase(db, MIGRATIONS_FOLDER);

    expect(rollupDrift(db)).toEqual([]);
    const current = db.prepare('SELECT id, current_iteration_id AS c FROM initiatives ORDER BY id').all();
    expect(current).toEqual([
      { id: 'ini_active', c: 'ini_active_v2' },
      { id: 'ini_empty', c: null },
      { id: 'ini_ended', c: 'ini_ended_v2' },
    ]);
    expect(db.prepare(`SELECT last_check_in_at AS at, last_health AS h FROM iterations WHERE id = 'ini_active_v2'`).get()).toEqual({
      at: T(5),
      h: 'on_track',
    });
    db.close();
  });

  it('are kept by every later write: new versions, status changes, check-ins late or at the same instant', () => {
    const db = new Database(':memory:');
    migrateDatabase(db, MIGRATIONS_FOLDER);
    db.prepare(`INSERT INTO teams (id, key, name, version, created_at, updated_at) VALUES ('team_1', 'revops', 'R', 1, 'x', 'x')`).run();
    insertHistory(db, 'ini_a', ['planned'], []);
    expect(rollupDrift(db)).toEqual([]);
    db.prepare(`UPDATE iterations SET status = 'under_construction' WHERE id = 'ini_a_v1'`).run();
    db.prepare(`INSERT INTO iterations (id, initiative_id, number, title, status, version, created_at, updated_at) VALUES ('ini_a_v2', 'ini_a', 2, 'v', 'planned', 1, 'x', 'x')`).run();
    expect(db.prepare(`SELECT current_iteration_id AS c FROM initiatives WHERE id = 'ini_a'`).get()).toEqual({ c: 'ini_a_v1' });
    const checkIn = db.prepare(`INSERT INTO check_ins (id, iteration_id, health, author_key_id, author_name, created_at) VALUES (?, 'ini_a_v1', ?, 'k', 'k', ?)`);
    checkIn.run('chk_1', 'on_track', T(5));
    checkIn.run('chk_2', 'off_track', T(3));
    checkIn.run('chk_3', 'at_risk', T(5));
    expect(db.prepare(`SELECT last_check_in_at AS at, last_health AS h FROM iterations WHERE id = 'ini_a_v1'`).get()).toEqual({ at: T(5), h: 'at_risk' });
    db.prepare(`UPDATE iterations SET status = 'abandoned' WHERE id = 'ini_a_v1'`).run();
    expect(db.prepare(`SELECT current_iteration_id AS c FROM initiatives WHERE id = 'ini_a'`).get()).toEqual({ c: 'ini_a_v2' });
    expect(rollupDrift(db)).toEqual([]);
    db.close();
  });

  it('by day and by organisation day are backfilled from the ledger (migrations 0005 and 0007), voided rows left out', () => {
    const db = new Database(join(dir, 'daily-backfill.sqlite'));
    migrateDatabase(db, firstMigrations(5));
    db.prepare(`INSERT INTO teams (id, key, name, version, created_at, updated_at) VALUES ('team_1', 'revops', 'R', 1, 'x', 'x')`).run();
    insertHistory(db, 'ini_m', ['under_construction'], []);
    db.prepare(
      `INSERT INTO metrics (id, key, name, unit, direction, aggregation, scope, definition_version, version, created_at, updated_at)
       VALUES ('met_1', 'win_rate', 'W', 'ratio', 'increase', 'latest', 'central', 1, 1, 'x', 'x')`,
    ).run();
    const measure = db.prepare(
      `INSERT INTO measurements (id, metric_id, definition_version, iteration_id, initiative_id, value, observed_at, recorded_at, recorded_by_key_id, recorded_by_name)
       VALUES (?, 'met_1', 1, 'ini_m_v1', 'ini_m', ?, ?, 'x', 'k', 'k')`,
    );
    measure.run('msr_1', 1, '2026-01-02T09:00:00.000Z');
    measure.run('msr_2', 5, '2026-01-02T17:00:00.000Z');
    measure.run('msr_3', 7, '2026-01-02T23:59:59.999Z');
    measure.run('msr_4', 2, '2026-01-03T00:00:00.000Z');
    db.prepare(`UPDATE measurements SET voided_at = 'x', void_reason = 'typo' WHERE id = 'msr_3'`).run();
    // Another initiative's iteration measures the same day, later: the day totals (0007) add it.
    insertHistory(db, 'ini_n', ['under_construction'], []);
    db.prepare(
      `INSERT INTO measurements (id, metric_id, definition_version, iteration_id, initiative_id, value, observed_at, recorded_at, recorded_by_key_id, recorded_by_name)
       VALUES ('msr_5', 'met_1', 1, 'ini_n_v1', 'ini_n', 10, '2026-01-02T18:00:00.000Z', 'x', 'k', 'k')`,
    ).run();
    migrateDatabase(db, MIGRATIONS_FOLDER);
    expect(rollupDrift(db)).toEqual([]);

    // 2 January keeps msr_1 and msr_2 (msr_3 is voided): count 2, sum 6, min 1, max 5, latest msr_2.
    expect(db.prepare(`SELECT day, count, sum, min, max, latest_value, latest_id FROM measurement_daily_rollups WHERE iteration_id = 'ini_m_v1' ORDER BY day`).all()).toEqual([
      { day: '2026-01-02', count: 2, sum: 6, min: 1, max: 5, latest_value: 5, latest_id: 'msr_2' },
      { day: '2026-01-03', count: 1, sum: 2, min: 2, max: 2, latest_value: 2, latest_id: 'msr_4' },
    ]);
    // Both iterations on 2 January: count 3, sum 1 + 5 + 10 = 16, max 10, latest msr_5 (18:00).
    expect(db.prepare('SELECT day, count, sum, min, max, latest_value, latest_id FROM measurement_day_totals ORDER BY day').all()).toEqual([
      { day: '2026-01-02', count: 3, sum: 16, min: 1, max: 10, latest_value: 10, latest_id: 'msr_5' },
      { day: '2026-01-03', count: 1, sum: 2, min: 2, max: 2, latest_value: 2, latest_id: 'msr_4' },
    ]);
    db.close();
  });

  it('that drift from the history are named by the recomputation (rollup-check.ts), one table at a time', () => {
    const db = new Database(':memory:');
    migrateDatabase(db, MIGRATIONS_FOLDER);
    db.prepare(`INSERT INTO teams (id, key, name, version, created_at, updated_at) VALUES ('team_1', 'revops', 'R', 1, 'x', 'x')`).run();
    insertHistory(db, 'ini_x', ['under_construction'], [[1, 'on_track', T(2)]]);
    db.prepare(
      `INSERT INTO metrics (id, key, name, unit, direction, aggregation, scope, definition_version, version, created_at, updated_at)
       VALUES ('met_1', 'deals', 'D', 'count', 'increase', 'sum', 'central', 1, 1, 'x', 'x')`,
    ).run();
    const measure = db.prepare(
      `INSERT INTO measurements (id, metric_id, definition_version, iteration_id, initiative_id, value, observed_at, recorded_at, recorded_by_key_id, recorded_by_name)
       VALUES (?, 'met_1', 1, 'ini_x_v1', 'ini_x', ?, ?, 'x', 'k', 'k')`,
    );
    measure.run('msr_1', 4, T(2));
    measure.run('msr_2', 2, T(3));
    expect(rollupDrift(db)).toEqual([]);
    const corruptions: Array<[table: string, sql: string]> = [
      ['initiatives.current_iteration_id', 'UPDATE initiatives SET current_iteration_id = NULL'],
      ['iterations.last_check_in_at, last_health', "UPDATE iterations SET last_health = 'off_track'"],
      ['measurement_rollups', 'UPDATE measurement_rollups SET sum = sum + 0.5'],
      ['measurement_daily_rollups', 'DELETE FROM measurement_daily_rollups'],
      ['measurement_day_totals', "UPDATE measurement_day_totals SET latest_id = 'msr_1'"],
    ];
    for (const [table, sql] of corruptions) {
      db.exec('SAVEPOINT corrupt');
      db.exec(sql);
      expect(rollupDrift(db).map((d) => d.table)).toContain(table);
      db.exec('ROLLBACK TO corrupt; RELEASE corrupt');
    }
    expect(rollupDrift(db)).toEqual([]);
    db.close();
  });
});
