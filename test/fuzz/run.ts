import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { makeApp } from '../helpers/app';
import { requestArbitrary } from './arbitraries';
import { checkIntegrity, integrityClean, responseFault, type IntegrityReport } from './checks';
import { operationsOf } from './operations';
import { remember, seedWorld } from './world';

/**
 * One fuzz run: a fresh app on a real SQLite file, a seeded organisation, `requests` generated
 * requests sent in turn (each must be a success or a problem, never a 5xx), then the database
 * must pass integrity_check and foreign_key_check and every rollup must equal its recomputation.
 * fast-check shrinks a failing request and prints it as code that sends it again; `seed` and
 * `path` replay a run.
 */

export interface FuzzOptions {
  requests: number;
  seed: number;
  /** fast-check's replay path, printed with a failure. */
  path?: string;
  /** Called every 1,000 requests. */
  progress?: (sent: number) => void;
}

export interface FuzzReport {
  seed: number;
  sent: number;
  /** How many responses had each status. */
  statuses: Record<number, number>;
  serverErrors: number;
  /** Successes per operation: which ones the valid requests reached. */
  successes: Record<string, number>;
  /** fast-check's report of the first failing request, shrunk. */
  failure?: string;
  integrity: IntegrityReport;
  elapsedMs: number;
}

/**
 * Settings of the fuzzed app: no rate limit (thousands of requests a second from a few keys are
 * the point here), no overload shedding (a busy test machine must not turn into 503s), and
 * synchronous NORMAL: WAL stays safe against a crashed process, and the fuzz is not a power-loss
 * test, so skipping an fsync per commit keeps it fast.
 */
export const FUZZ_ENV = { RATE_LIMIT_MAX: '0', PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '0', DB_SYNCHRONOUS: 'NORMAL' };

/** Simulated time moves on between requests, so iterations age, check-ins go stale and "now" varies. */
const STEP_MS = 2 * 60_000;

export async function runFuzz({ requests, seed, path, progress }: FuzzOptions): Promise<FuzzReport> {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'roadworks-fuzz-'));
  const t = await makeApp(FUZZ_ENV, join(dir, 'roadworks.sqlite'));
  const statuses: Record<number, number> = {};
  const successes: Record<string, number> = {};
  let sent = 0;
  try {
    const world = await seedWorld(t);
    const arbitrary = requestArbitrary(operationsOf(t.app.swagger()), world);
    const property = fc.asyncProperty(arbitrary, async (request) => {
      t.clock.set(new Date(t.clock.now().getTime() + STEP_MS).toISOString());
      const res = await t.app.inject(request.toInject());
      sent += 1;
      statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
      if (res.statusCode < 300) successes[request.operation] = (successes[request.operation] ?? 0) + 1;
      if (res.statusCode === 201) remember(world.pools, res.body);
      if (sent % 1000 === 0) progress?.(sent);
      const fault = responseFault(request.method, res);
      if (fault) throw new Error(`${fault}\n(TEST_LOG_LEVEL=error prints the server's stack trace)`);
    });
    const details = await fc.check(property, { numRuns: requests, seed, ...(path ? { path } : {}) });
    return {
      seed,
      sent,
      statuses,
      serverErrors: Object.entries(statuses).reduce((n, [status, count]) => (Number(status) >= 500 ? n + count : n), 0),
      successes,
      ...(details.failed ? { failure: `${fc.defaultReportMessage(details)}\nGot: ${details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance)}` } : {}),
      integrity: checkIntegrity(t.db.$client),
      elapsedMs: performance.now() - started,
    };
  } finally {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const fuzzPassed = (r: FuzzReport) => r.failure === undefined && r.serverErrors === 0 && integrityClean(r.integrity);
