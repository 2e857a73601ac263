/**
 * Crash durability: the server runs in a child process under concurrent write load
 * (test/helpers/write-load.ts), is killed with SIGKILL at a random moment, restarted on the same
 * file, and checked, cycle after cycle:
 * - every acknowledged write is in the database, whole (none lost);
 * - every write, acknowledged or not, is there wholly or not at all, with its side effects;
 * - SQLite's integrity and foreign-key checks pass and the rollups equal the history;
 * - an acknowledged write sent again with its Idempotency-Key gets its first answer, replayed;
 * - a write left unanswered by the kill, retried with its key, is replayed when the database
 *   holds it and runs (once) when it does not.
 * Used by test/crash/crash.test.ts (a bounded run) and scripts/crash.ts (`npm run crash`).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { randomInt } from 'node:crypto';
import Database from 'better-sqlite3';
import { startServer, type ServerProcess } from './server-process';
import { AppliedWrites, databaseProblems, sideEffectProblems } from './write-checks';
import { describeWrite, makeWorkers, send, WriteLoad, type LoadTargets, type Target, type Write } from './write-load';

export const CRASH_ADMIN_KEY = 'rw_crash_admin_key_0123456789abcdef';

export interface CrashOptions {
  /** The bundled server (test/helpers/server-process.ts bundleServer). */
  bundle: string;
  /** A folder of the caller's: the database file lives there. */
  dir: string;
  cycles: number;
  /** The load runs for a random time in this range (ms) before each kill. */
  loadMs: [number, number];
  synchronous?: 'FULL' | 'NORMAL';
  /** Progress, one line per cycle. */
  log?: (line: string) => void;
}

export interface CrashFigures {
  cycles: number;
  /** Writes sent (each once; retries and replays not counted). */
  writes: number;
  /** Writes answered 2xx before a kill, or by their retry after the restart. */
  acknowledged: number;
  /** Acknowledged writes looked up after at least one kill and restart that followed their answer. */
  checked: number;
  /** Lookups of acknowledged writes, summed over the restarts (each is checked again after every later kill). */
  lookups: number;
  /** Acknowledged writes missing after a restart. The target is zero. */
  lost: number;
  /** Writes found partly applied after a restart (a batch's rows, or a write without its side effects). The target is zero. */
  halfApplied: number;
  /** Writes in flight at a kill, and how many of them the database held after the restart. */
  unanswered: number;
  unansweredCommitted: number;
  /** Answers compared with the first answer of a write sent again with its key. */
  replays: number;
  /** Every check that failed, in words. Empty on success. */
  problems: string[];
}

/** A plain API call for the seed: 2xx or it throws. */
async function call(target: Target, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${target.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${target.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** A team, a metric, an initiative whose v1 runs (the ledger) and two whose v1 is planned with a hypothesis. */
export async function seedLoad(target: Target): Promise<LoadTargets> {
  await call(target, 'POST', '/v1/teams', { key: 'crash', name: 'Crash test' });
  await call(target, 'POST', '/v1/metrics', { key: 'crash_value', name: 'Crash value', unit: 'number', direction: 'increase', aggregation: 'sum' });
  await call(target, 'POST', '/v1/initiatives', { key: 'ledger', title: 'Ledger', team: 'crash' });
  const ledger = await call(target, 'POST', '/v1/initiatives/ledger/iterations', { goal: 'Collect values' });
  await call(target, 'POST', `/v1/iterations/${String(ledger.id)}/start`);
  const lifecycles = [];
  for (const key of ['lifecycle-1', 'lifecycle-2']) {
    await call(target, 'POST', '/v1/initiatives', { key, title: key, team: 'crash' });
    const v1 = await call(target, 'POST', `/v1/initiatives/${key}/iterations`, { goal: `${key} v1` });
    await call(target, 'POST', `/v1/iterations/${String(v1.id)}/hypotheses`, {
      statement: 'We believe that values reach 1',
      metric: 'crash_value',
      operator: 'gte',
      threshold: 1,
    });
    lifecycles.push({ initiative: key, iteration: String(v1.id) });
  }
  return { metric: 'crash_value', ledgerIteration: String(ledger.id), ledgerInitiative: 'ledger', lifecycles };
}

/** Runs `fn` over `items`, `width` at a time. */
async function eachLimited<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/** Older acknowledged writes replayed after each restart besides those of the cycle just ended. */
const OLDER_REPLAYS = 5;

export async function runCrashCycles(opts: CrashOptions): Promise<CrashFigures> {
  const databasePath = join(opts.dir, 'crash.sqlite');
  const settings = { DB_SYNCHRONOUS: opts.synchronous ?? 'FULL', RATE_LIMIT_MAX: '1000000000', SHUTDOWN_DRAIN_MS: '0' };
  const start = () => startServer({ bundle: opts.bundle, databasePath, adminKey: CRASH_ADMIN_KEY, settings });
  const figures: CrashFigures = { cycles: 0, writes: 0, acknowledged: 0, checked: 0, lookups: 0, lost: 0, halfApplied: 0, unanswered: 0, unansweredCommitted: 0, replays: 0, problems: [] };
  const problems = figures.problems;
  const lost = new Set<Write>();
  const half = new Set<Write>();
  const checked = new Set<Write>();
  const target: Target = { url: '', key: CRASH_ADMIN_KEY };

  let server: ServerProcess = await start();
  target.url = server.url;
  const load = new WriteLoad(makeWorkers(await seedLoad(target), 'w'));
  let retried: Write[] = [];
  try {
    for (let cycle = 1; cycle <= opts.cycles; cycle++) {
      const sentBefore = load.writes.length;
      const running = load.run(target);
      await sleep(randomInt(opts.loadMs[0], opts.loadMs[1] + 1));
      // The signal goes out now; the workers send nothing more, and whatever answer was already
      // on its way may still arrive (it was committed before it left).
      const killed = server.kill();
      load.stop();
      const unanswered = await running;
      await killed;
      figures.cycles = cycle;
      figures.unanswered += unanswered.length;

      const restarting = performance.now();
      server = await start();
      target.url = server.url;
      const restartMs = performance.now() - restarting;

      // What the file holds after the restart, before anything is retried.
      const db = new Database(databasePath, { readonly: true, fileMustExist: true });
      let committed = new Set<Write>();
      try {
        problems.push(...databaseProblems(db).map((p) => `cycle ${cycle}: ${p}`), ...sideEffectProblems(db).map((p) => `cycle ${cycle}: ${p}`));
        const applied = new AppliedWrites(db);
        for (const w of load.writes) {
          const { applied: state, detail } = applied.state(w);
          if (state === 'partial' && !half.has(w)) {
            half.add(w);
            problems.push(`cycle ${cycle}: ${describeWrite(w)} is half applied: ${detail}`);
          }
          if (w.answer) {
            checked.add(w);
            figures.lookups += 1;
          }
          if (w.answer && state !== 'all' && !lost.has(w)) {
            lost.add(w);
            problems.push(`cycle ${cycle}: ${describeWrite(w)} was acknowledged (${w.answer.status}) and is ${state === 'none' ? 'missing' : 'partly there'} after the restart`);
          }
        }
        committed = new Set(unanswered.filter((w) => applied.state(w).applied === 'all'));
      } finally {
        db.close();
      }

      // Acknowledged writes of this cycle, those acknowledged by their retry after the previous
      // restart, and a few older ones, sent again: each is answered by its replay, identical.
      const acknowledged = load.writes.slice(sentBefore).filter((w) => w.answer);
      const older = load.writes.slice(0, sentBefore).filter((w) => w.answer);
      const sample = Array.from({ length: Math.min(OLDER_REPLAYS, older.length) }, () => older[randomInt(0, older.length)]!);
      await eachLimited([...acknowledged, ...retried.filter((w) => w.answer), ...sample], 6, async (w) => load.checkReplay(w, await send(target, w)));

      // The writes the kill left unanswered, retried as a client would: replayed if the
      // database holds them, run now (once) if it does not.
      for (const w of unanswered) {
        const answer = await send(target, w);
        if (answer.replayed !== committed.has(w)) {
          problems.push(
            `cycle ${cycle}: ${describeWrite(w)} was ${committed.has(w) ? '' : 'not '}in the database after the restart, but its retry was ${answer.replayed ? '' : 'not '}a replay (${answer.status})`,
          );
        }
        if (committed.has(w)) figures.unansweredCommitted += 1;
        load.accept(w, answer);
      }
      retried = unanswered;
      opts.log?.(
        `cycle ${cycle}: ${load.writes.length - sentBefore} writes sent, ${unanswered.length} in flight at the kill ` +
          `(${unanswered.filter((w) => committed.has(w)).length} committed); restart ${Math.round(restartMs)} ms, checks ${Math.round(performance.now() - restarting - restartMs)} ms`,
      );
    }

    // A last look after a graceful stop: the retried writes are there too, exactly once.
    await server.stop();
    const db = new Database(databasePath, { readonly: true, fileMustExist: true });
    try {
      problems.push(...databaseProblems(db).map((p) => `final: ${p}`), ...sideEffectProblems(db).map((p) => `final: ${p}`));
      const applied = new AppliedWrites(db);
      for (const w of load.writes) {
        const { applied: state, detail } = applied.state(w);
        if (w.answer && state !== 'all') problems.push(`final: ${describeWrite(w)} is ${state}${detail ? `: ${detail}` : ''}`);
      }
    } finally {
      db.close();
    }
  } finally {
    await server.kill();
  }
  problems.push(...load.failures);
  figures.writes = load.writes.length;
  figures.acknowledged = load.writes.filter((w) => w.answer).length;
  figures.checked = checked.size;
  figures.lost = lost.size;
  figures.halfApplied = half.size;
  figures.replays = load.replays;
  return figures;
}
