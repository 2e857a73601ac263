/**
 * `npm run bench [-- --quick] [--only item|list|check-in] [--profile] [--size large]`: starts Roadworks as users do,
 * seeds it through the API, drives the hot routes with autocannon and measures each against its
 * ceiling in the same run. `--profile` profiles the server's CPU and prints where its time
 * went (with `--only`, for one route alone).
 * Full mode writes bench/RESULTS.md and fails when a target is missed; quick mode (CI) only prints,
 * and fails only when something broke (no start, non-2xx answers, errors).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { api } from './http';
import { measureInsertCeiling } from './insert-ceiling';
import { measureMeasurementCeiling } from './measurement-ceiling';
import { runLoad, CONNECTIONS, type LoadRequest, type LoadResult } from './load';
import { stopChildrenOnSignals } from './processes';
import { printProfile } from './profile';
import { runLarge } from './large';
import { measureColdStart } from './cold-start';
import { largeTargetsMet, renderLarge, writeLargeResults } from './large-report';
import { LARGE } from './seed-large';
import { allTargetsMet, median, renderTable, writeResults, type MeasuredRow, type Report } from './report';
import { captureReads, itemPath, LIST_PATH, verifyCeiling } from './responses';
import { DATA_SETS, seed } from './seed';
import { startCeilingServer, startRoadworks } from './server-process';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const ADMIN_KEY = 'rw_bench_admin_key_0123456789abcdef';
const CHECK_IN_BODY = JSON.stringify({ health: 'on_track', note: 'Weekly check-in from the benchmark.' });
const MAX_RSS_BYTES = 200_000_000;
const MAX_COLD_START_MS = 1000;

const { values: options } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, profile: { type: 'boolean', default: false }, only: { type: 'string' }, size: { type: 'string', default: 'default' } },
});
if (options.size !== 'default' && options.size !== 'large') throw new Error('--size takes default or large');
const QUICK = options.quick;
/** `--only item|list|check-in|measurement|batch`: one row (for a profile of that route alone); nothing is written then. */
const ONLY = options.only;
if (ONLY !== undefined && !['item', 'list', 'check-in', 'measurement', 'batch'].includes(ONLY)) {
  throw new Error('--only takes item, list, check-in, measurement or batch');
}
const runs = (row: string) => ONLY === undefined || ONLY === row;
const MODE = QUICK ? { rounds: 1, seconds: 2.5, warmupSeconds: 1 } : { rounds: 3, seconds: 8, warmupSeconds: 2 };
const SYNCHRONOUS = (process.env.DB_SYNCHRONOUS ?? 'FULL').toUpperCase();
if (SYNCHRONOUS !== 'FULL' && SYNCHRONOUS !== 'NORMAL') throw new Error(`DB_SYNCHRONOUS must be FULL or NORMAL, not ${SYNCHRONOUS}`);

const failures: string[] = [];
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** A run with any non-2xx answer or error is not a measurement: flag the row and fail the bench. */
function checked(row: MeasuredRow, side: string, result: LoadResult): LoadResult {
  if (result.non2xx > 0 || result.errors > 0) {
    row.flagged = true;
    failures.push(`${row.label} (${side}): ${result.non2xx} non-2xx answers ${JSON.stringify(result.statuses)}, ${result.errors} errors`);
  }
  return result;
}

type Ceiling = (round: number) => Promise<number>;

async function measureRow(row: MeasuredRow, server: () => Promise<LoadResult>, ceiling: Ceiling): Promise<MeasuredRow> {
  for (let round = 1; round <= MODE.rounds; round++) {
    const s = checked(row, 'Roadworks', await server());
    const c = await ceiling(round);
    row.server.push(s);
    row.ceiling.push(c);
    console.log(`  ${row.label}, round ${round}/${MODE.rounds}: Roadworks ${fmt(s.rate)}/s (p99 ${s.p99} ms), ceiling ${fmt(c)} ${row.ceilingUnit}`);
  }
  return row;
}

const newRow = (label: string, ceilingUnit: MeasuredRow['ceilingUnit'], minRatio: number): MeasuredRow => ({ label, ceilingUnit, minRatio, server: [], ceiling: [], flagged: false });

/** `--size large`: the dashboard reads on the large data set (bench/large.ts). */
async function mainLarge(): Promise<number> {
  const tmpDir = mkdtempSync(join(tmpdir(), 'roadworks-bench-large-'));
  stopChildrenOnSignals(() => rmSync(tmpDir, { recursive: true, force: true }));
  let keepTmp = true;
  try {
    console.log(`${QUICK ? 'quick' : 'full'} mode, large data set; temp dir ${tmpDir}; DB_SYNCHRONOUS=${SYNCHRONOUS}`);
    const report = await runLarge({ repoRoot: REPO_ROOT, tmpDir, adminKey: ADMIN_KEY, synchronous: SYNCHRONOUS, mode: MODE, quick: QUICK });
    const settings =
      `${LARGE.teams} teams, ${LARGE.metrics} metrics, ${LARGE.initiatives} initiatives x ${LARGE.versions} versions, ` +
      `${LARGE.initiatives * LARGE.versions * LARGE.hypothesesPerVersion} hypotheses; each read measured at each ledger size on the server as users run it, ` +
      `its ceiling, and a second server with READ_CACHE_MB=0 (every request computed); ${CONNECTIONS} connections, ` +
      `${MODE.rounds} round(s) of ${MODE.seconds} s per side after a ${MODE.warmupSeconds} s warm-up; medians.`;
    console.log(`\n${settings}\n\n${renderLarge(report)}\n`);
    if (report.failures.length > 0) {
      console.error(`FAILED:\n  ${report.failures.join('\n  ')}`);
      return 1;
    }
    keepTmp = false;
    if (QUICK) return 0;
    writeLargeResults(join(REPO_ROOT, 'bench/RESULTS.md'), report, settings, SYNCHRONOUS);
    console.log('wrote the large data set section of bench/RESULTS.md');
    return largeTargetsMet(report) ? 0 : 1;
  } finally {
    if (keepTmp) console.error(`kept ${tmpDir} for inspection`);
    else rmSync(tmpDir, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  if (options.size === 'large') return mainLarge();
  const tmpDir = mkdtempSync(join(tmpdir(), 'roadworks-bench-'));
  stopChildrenOnSignals(() => rmSync(tmpDir, { recursive: true, force: true }));
  const stops: Array<() => Promise<void>> = [];
  let keepTmp = true;
  try {
    console.log(`${QUICK ? 'quick' : 'full'} mode; temp dir ${tmpDir}; DB_SYNCHRONOUS=${SYNCHRONOUS}`);
    const profileDir = options.profile ? join(tmpDir, 'profiles') : undefined;
    const server = await startRoadworks({ repoRoot: REPO_ROOT, tmpDir, adminKey: ADMIN_KEY, synchronous: SYNCHRONOUS, profileDir });
    stops.push(server.stop);
    console.log(`Roadworks answers on ${server.url} (log: ${server.logPath}); seeding ...`);
    const dataSet = DATA_SETS.default;
    const seedStart = performance.now();
    const seeded = await seed(server.url, ADMIN_KEY, dataSet);
    console.log(`seeded ${seeded.initiativeKeys.length} initiatives in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

    const responses = await captureReads(server.url, ADMIN_KEY, seeded.initiativeKeys);
    const responsesFile = join(tmpDir, 'ceiling-responses.json');
    writeFileSync(responsesFile, JSON.stringify(responses));
    const ceilingServer = await startCeilingServer({ repoRoot: REPO_ROOT, tmpDir, responsesFile });
    stops.push(ceilingServer.stop);
    await verifyCeiling(ceilingServer.url, ADMIN_KEY, responses, seeded.initiativeKeys[0] ?? '');

    const auth = { authorization: `Bearer ${ADMIN_KEY}` };
    const load =
      (url: string, requests: LoadRequest[], seconds = MODE.seconds, headers: Record<string, string> = auth, connections = CONNECTIONS) =>
      () =>
        runLoad(url, requests, { seconds, headers, connections });
    const readRow = async (label: string, minRatio: number, requests: LoadRequest[]) => {
      const row = newRow(label, 'requests/s', minRatio);
      checked(row, 'Roadworks warm-up', await load(server.url, requests, MODE.warmupSeconds)());
      checked(row, 'ceiling warm-up', await load(ceilingServer.url, requests, MODE.warmupSeconds)());
      return measureRow(row, load(server.url, requests), async () => checked(row, 'ceiling', await load(ceilingServer.url, requests)()).rate);
    };

    // The server (the node below npm start with the largest memory) profiles from now on.
    if (profileDir) process.kill(server.peakRss().pid, 'SIGUSR2');
    const n = seeded.initiativeKeys.length;
    const rows: MeasuredRow[] = [];
    if (runs('item')) {
      rows.push(await readRow(`GET /v1/initiatives/{key} (${n} keys rotated)`, 0.5, seeded.initiativeKeys.map((k) => ({ method: 'GET', path: itemPath(k) }))));
    }
    if (runs('list')) rows.push(await readRow(`GET ${LIST_PATH}`, 0.3, [{ method: 'GET', path: LIST_PATH }]));

    const writeHeaders = { ...auth, 'content-type': 'application/json' };
    const checkIns: LoadRequest[] = seeded.iterationIds.map((id) => ({ method: 'POST', path: `/v1/iterations/${id}/check-ins`, body: CHECK_IN_BODY }));
    const firstIteration = seeded.iterationIds[0] ?? '';
    const checkIn = (await api(server.url, ADMIN_KEY)('POST', `/v1/iterations/${firstIteration}/check-ins`, JSON.parse(CHECK_IN_BODY))) as { health?: string };
    if (checkIn.health !== 'on_track') throw new Error(`a check-in answered an unexpected body: ${JSON.stringify(checkIn)}`);
    const writeRow = newRow(`POST /v1/iterations/{id}/check-ins (${n} iterations rotated)`, 'rows/s', 0.5);
    if (runs('check-in')) checked(writeRow, 'Roadworks warm-up', await load(server.url, checkIns, MODE.warmupSeconds, writeHeaders)());
    const insert = (round: number, withActivity: boolean, seconds: number) =>
      measureInsertCeiling({
        path: join(tmpDir, `insert-ceiling-${round}${withActivity ? '-activity' : ''}.sqlite`),
        synchronous: SYNCHRONOUS,
        seconds,
        iterationIds: seeded.iterationIds,
        note: 'Weekly check-in from the benchmark.',
        withActivity,
      });
    const withActivity: number[] = [];
    if (runs('check-in')) {
      rows.push(
        await measureRow(writeRow, load(server.url, checkIns, MODE.seconds, writeHeaders), async (round) => {
          const primary = insert(round, false, MODE.seconds);
          withActivity.push(insert(round, true, MODE.seconds / 2));
          return primary;
        }),
      );
    }

    // Measurement ingest: one row per POST, and 1,000-row JSON batches, in rows per second.
    const BATCH = 1000;
    const BATCH_CONNECTIONS = 4;
    const metricKey = 'bench_win_rate';
    if (runs('measurement') || runs('batch')) {
      await api(server.url, ADMIN_KEY)('POST', '/v1/metrics', { key: metricKey, name: 'Win rate', unit: 'ratio', direction: 'increase', aggregation: 'average' });
    }
    const oneRow = (i: number) => ({ metric: metricKey, initiative: seeded.initiativeKeys[i % n], value: (i % 100) / 100, source: 'bench' });
    const measurementRequests: LoadRequest[] = seeded.initiativeKeys.map((_k, i) => ({ method: 'POST', path: '/v1/measurements', body: JSON.stringify(oneRow(i)) }));
    const batchRequests: LoadRequest[] = Array.from({ length: 10 }, (_x, b) => ({
      method: 'POST',
      path: '/v1/measurements',
      body: JSON.stringify(Array.from({ length: BATCH }, (_y, i) => oneRow(b * BATCH + i))),
    }));
    const measurementCeiling = (batchSize: number) => (round: number) =>
      Promise.resolve(
        measureMeasurementCeiling({ path: join(tmpDir, `measurement-ceiling-${batchSize}-${round}.sqlite`), synchronous: SYNCHRONOUS, seconds: MODE.seconds, iterationIds: seeded.iterationIds, batchSize }),
      );
    if (runs('measurement')) {
      const row = newRow(`POST /v1/measurements, one row (${n} initiatives rotated)`, 'rows/s', 0.5);
      checked(row, 'Roadworks warm-up', await load(server.url, measurementRequests, MODE.warmupSeconds, writeHeaders)());
      rows.push(await measureRow(row, load(server.url, measurementRequests, MODE.seconds, writeHeaders), measurementCeiling(1)));
    }
    if (runs('batch')) {
      const row = newRow(`POST /v1/measurements, ${BATCH.toLocaleString('en-US')}-row JSON batch`, 'rows/s', 0.2);
      const inRows = (l: () => Promise<LoadResult>) => async () => {
        const r = await l();
        return { ...r, rate: r.rate * BATCH };
      };
      // Few connections: a batch takes tens of milliseconds, and batches still queued when a run
      // ends would be worked off during the next one, hiding its answers.
      checked(row, 'Roadworks warm-up', await load(server.url, batchRequests, MODE.warmupSeconds, writeHeaders, BATCH_CONNECTIONS)());
      rows.push(await measureRow(row, inRows(load(server.url, batchRequests, MODE.seconds, writeHeaders, BATCH_CONNECTIONS)), measurementCeiling(BATCH)));
    }

    const peak = server.peakRss();
    await server.stop();
    const coldStart =
      ONLY === undefined
        ? { ...(await measureColdStart({ repoRoot: REPO_ROOT, tmpDir, adminKey: ADMIN_KEY, synchronous: SYNCHRONOUS, starts: QUICK ? 3 : 5 })), maxMs: MAX_COLD_START_MS }
        : undefined;
    const checkInRate = median(writeRow.server.map((r) => r.rate));
    const report: Report = {
      rows,
      peakRss: peak,
      maxRssBytes: MAX_RSS_BYTES,
      coldStart,
      extras: [
        ...(withActivity.length > 0
          ? [`Insert ceiling with the activity row (check-in + activity, one transaction each): ${fmt(median(withActivity))} transactions/s; check-ins reach ${(checkInRate / median(withActivity)).toFixed(3)} of it.`]
          : []),
        `Peak RSS read from pid ${peak.pid}: ${peak.command}`,
      ],
      settings:
        `${n} initiatives (${dataSet.teams} teams, ${dataSet.themes} themes), each with v1 started and checked in; ` +
        `${CONNECTIONS} connections (4 for the 1,000-row batches); ${MODE.rounds} round(s) of ${MODE.seconds} s per side after a ${MODE.warmupSeconds} s warm-up; medians.`,
    };
    console.log(`\n${report.settings}\n\n${renderTable(report)}\n\n${report.extras.join('\n')}\n`);

    if (failures.length > 0) {
      console.error(`FAILED: runs with non-2xx answers or errors (server log kept in ${server.logPath}):\n  ${failures.join('\n  ')}`);
      return 1;
    }
    if (profileDir) {
      await server.stop();
      printProfile(profileDir);
    }
    keepTmp = false;
    if (QUICK || ONLY !== undefined) return 0;
    writeResults(join(REPO_ROOT, 'bench/RESULTS.md'), report, SYNCHRONOUS);
    console.log('wrote bench/RESULTS.md');
    return allTargetsMet(report) ? 0 : 1;
  } finally {
    for (const stop of stops.reverse()) await stop();
    if (keepTmp) console.error(`kept ${tmpDir} for inspection`);
    else rmSync(tmpDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
