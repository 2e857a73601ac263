import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, type TestApp } from '../helpers/app';
import { seedLoad } from '../helpers/crash-run';
import { AppliedWrites, databaseProblems, sideEffectProblems } from '../helpers/write-checks';
import { makeWorkers, WriteLoad, type Write } from '../helpers/write-load';

/**
 * The checks of the crash and backup tests (test/helpers/write-checks.ts) find nothing wrong in
 * a database the server wrote, and do find each kind of damage a crash could leave: a batch
 * missing rows, a change without its activity row or its rollup, a transition undone.
 */

let t: TestApp;
let sqlite: Database.Database;
let load: WriteLoad;

beforeAll(async () => {
  t = await makeApp({ RATE_LIMIT_MAX: '0' });
  sqlite = t.db.$client;
  // The load sends observed_at values from the last 30 days of the real clock.
  t.clock.set(new Date().toISOString());
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const target = { url: `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`, key: t.adminKey };
  load = new WriteLoad(makeWorkers(await seedLoad(target), 'checks'));
  // Long enough for every worker to go round: the lifecycle workers need six writes per version.
  const running = load.run(target);
  while (load.writes.filter((w) => w.kind === 'plan' && w.answer).length < 2 || !load.writes.some((w) => w.kind === 'void' && w.answer)) {
    if (load.failures.length > 0) break;
    await sleep(50);
  }
  load.stop();
  expect(await running).toEqual([]);
}, 60_000);

afterAll(() => t?.close());

const acknowledged = (kind: Write['kind'], pick: (w: Write) => boolean = () => true) => {
  const w = load.writes.find((x) => x.kind === kind && x.answer && pick(x));
  if (!w) throw new Error(`the load made no acknowledged ${kind}`);
  return w;
};

describe('the crash checks', () => {
  it('find every write whole, and nothing wrong, in a database the server wrote', () => {
    expect(load.failures).toEqual([]);
    expect(databaseProblems(sqlite)).toEqual([]);
    expect(sideEffectProblems(sqlite)).toEqual([]);
    const applied = new AppliedWrites(sqlite);
    expect(load.writes.filter((w) => applied.state(w).applied !== 'all').map((w) => w.tag)).toEqual([]);
    expect(new Set(load.writes.map((w) => w.kind))).toEqual(new Set(['measurement', 'batch', 'void', 'check-in', 'plan', 'start', 'review', 'close']));
  });

  it('see a batch missing a row as half applied, with the ledger out of step with its activity and rollups', () => {
    const batch = acknowledged('batch', (w) => w.subject === undefined);
    sqlite.exec('DROP TRIGGER measurements_no_delete');
    sqlite.prepare('DELETE FROM measurements WHERE id = (SELECT id FROM measurements WHERE source = ? LIMIT 1)').run(batch.tag);

    expect(new AppliedWrites(sqlite).state(batch)).toEqual({ applied: 'partial', detail: `${batch.rows - 1} rows instead of 0 or ${batch.rows}` });
    expect(sideEffectProblems(sqlite).join('\n')).toMatch(/^measurements without their measurements\.recorded activity/);
    expect(databaseProblems(sqlite).join('\n')).toMatch(/rollup drift: \{"table":"measurement_rollups"/);
  });

  it('see a transition undone as an acknowledged write missing, and its activity row as a side effect without its change', () => {
    const start = acknowledged('start');
    expect(new AppliedWrites(sqlite).state(start).applied).toBe('all');
    sqlite.prepare(`UPDATE iterations SET status = 'planned', started_at = NULL, review_started_at = NULL, closed_at = NULL, decision = NULL WHERE id = ?`).run(start.subject);

    expect(new AppliedWrites(sqlite).state(start)).toEqual({ applied: 'none' });
    const problems = sideEffectProblems(sqlite).join('\n');
    expect(problems).toContain(`an iteration's status, its stamps and its activity rows: {"id":"${start.subject}"`);
    expect(problems).toContain('a hypothesis that a transition of its iteration did not move along');
  });

  it('see a check-in without its activity row, and a check-in or void applied twice', () => {
    const checkIn = acknowledged('check-in');
    sqlite.prepare(`DELETE FROM activity WHERE action = 'check_in.created' AND entity_id = (SELECT id FROM check_ins WHERE note = ?)`).run(checkIn.tag);
    expect(sideEffectProblems(sqlite).join('\n')).toContain('a check-in and its activity row');

    sqlite.prepare(`INSERT INTO check_ins (id, iteration_id, health, note, author_key_id, author_name, created_at)
      SELECT id || '_twice', iteration_id, health, note, author_key_id, author_name, created_at FROM check_ins WHERE note = ?`).run(checkIn.tag);
    expect(new AppliedWrites(sqlite).state(checkIn)).toEqual({ applied: 'partial', detail: '2 check-ins instead of 0 or 1' });

    const voided = acknowledged('void');
    sqlite.prepare(`UPDATE measurements SET void_reason = 'another reason' WHERE id = ?`).run(voided.subject);
    expect(new AppliedWrites(sqlite).state(voided).applied).toBe('partial');
  });
});
