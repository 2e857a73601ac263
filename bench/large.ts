/**
 * `npm run bench -- --size large`: the dashboard reads on the large data set (bench/seed-large.ts),
 * at 100,000 and then 1,000,000 measurements, and a full CSV export of the ledger.
 *
 * - Each read is measured against bare Fastify answering the same bytes (target: 0.25), on the
 *   server as users run it (read cache on).
 * - Growth: the same reads on a second server with the read cache off (READ_CACHE_MB=0), so each
 *   request computes its answer; at 1M measurements each must answer at least 1/1.5 of its rate at
 *   100k (no slower than 1.5 times).
 * - The export streams the whole ledger as CSV; the server's peak RSS must stay under 300 MB.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CeilingResponses, StoredResponse } from './ceiling-server';
import { getRaw, pool } from './http';
import { runLoad, type LoadRequest, type LoadResult } from './load';
import { median } from './report';
import { addMeasurements, LARGE, seedLarge } from './seed-large';
import { startCeilingServer, startRoadworks, type RoadworksServer } from './server-process';

export interface LargeOptions {
  repoRoot: string;
  tmpDir: string;
  adminKey: string;
  synchronous: string;
  mode: { rounds: number; seconds: number; warmupSeconds: number };
  /** Smaller ledger steps (CI smoke): 10,000 then 100,000 measurements. */
  quick: boolean;
}

interface Read {
  label: string;
  paths: string[];
}

export interface LargeRow {
  label: string;
  /** Per phase (ledger size): cached server, ceiling, uncached server, requests/s medians. */
  phases: Array<{ measurements: number; cached: number; ceiling: number; uncached: number; p99: number }>;
  flagged: boolean;
}

export interface LargeReport {
  rows: LargeRow[];
  export: { rows: number; bytes: number; seconds: number };
  peakRss: { bytes: number; pid: number; command: string };
  seedSeconds: number[];
  failures: string[];
}

function reads(initiativeKeys: string[], metricKeys: string[]): Read[] {
  const someInitiatives = initiativeKeys.filter((_k, i) => i % 7 === 0).slice(0, 200);
  const someMetrics = metricKeys.slice(0, 50);
  return [
    { label: 'GET /v1/initiatives/{key}/progress', paths: someInitiatives.map((k) => `/v1/initiatives/${k}/progress`) },
    { label: 'GET /v1/dashboard/summary', paths: ['/v1/dashboard/summary'] },
    { label: 'GET /v1/dashboard/roadmap?group_by=theme', paths: ['/v1/dashboard/roadmap?group_by=theme'] },
    { label: 'GET /v1/metrics/{key}/series?interval=week', paths: someMetrics.map((k) => `/v1/metrics/${k}/series?interval=week`) },
    { label: 'GET /v1/metrics/{key}/comparison', paths: someMetrics.map((k) => `/v1/metrics/${k}/comparison`) },
    { label: 'GET /v1/learnings?metric={key}', paths: someMetrics.map((k) => `/v1/learnings?metric=${k}`) },
  ];
}

async function capture(baseUrl: string, key: string, all: Read[]): Promise<Record<string, StoredResponse>> {
  const out: Record<string, StoredResponse> = {};
  const paths = all.flatMap((r) => r.paths);
  await pool(4, paths.length, async (i) => {
    const path = paths[i] ?? '';
    // The ledger grew synchronously in this process just before: a pooled socket may have gone
    // stale meanwhile, so a network error (not an answer) is retried once.
    const res = await getRaw(baseUrl + path, key).catch(() => getRaw(baseUrl + path, key));
    if (res.status !== 200 || !res.contentType.startsWith('application/json')) throw new Error(`GET ${path} answered ${res.status} ${res.contentType}: ${res.body.slice(0, 300)}`);
    out[path] = { contentType: res.contentType, body: res.body };
  });
  return out;
}

/** Streams the whole ledger as CSV, counting rows and bytes as they arrive. */
async function exportAll(baseUrl: string, key: string): Promise<LargeReport['export']> {
  const started = performance.now();
  const res = await fetch(`${baseUrl}/v1/exports/measurements.csv`, { headers: { authorization: `Bearer ${key}` } });
  if (res.status !== 200 || !res.body) throw new Error(`GET /v1/exports/measurements.csv answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  let bytes = 0;
  let lines = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    for (const b of chunk) if (b === 10) lines++;
  }
  return { rows: lines - 1, bytes, seconds: (performance.now() - started) / 1000 };
}

export async function runLarge(o: LargeOptions): Promise<LargeReport> {
  const failures: string[] = [];
  const dbPath = join(o.tmpDir, 'roadworks.sqlite');
  const steps = o.quick ? [10_000, 100_000] : [100_000, 1_000_000];
  const seedSeconds: number[] = [];
  let t = performance.now();
  const seeded = seedLarge(dbPath);
  addMeasurements(dbPath, seeded, steps[0] ?? 0, 1);
  seedSeconds.push((performance.now() - t) / 1000);
  console.log(`large data set: ${LARGE.initiatives} initiatives, ${seeded.windows.length} iterations, ${steps[0]} measurements in ${seedSeconds[0]?.toFixed(1)} s`);

  const stops: Array<() => Promise<void>> = [];
  try {
    const server: RoadworksServer = await startRoadworks({ repoRoot: o.repoRoot, tmpDir: o.tmpDir, adminKey: o.adminKey, synchronous: o.synchronous });
    stops.push(server.stop);
    const uncached = await startRoadworks({ repoRoot: o.repoRoot, tmpDir: o.tmpDir, adminKey: o.adminKey, synchronous: o.synchronous, settings: { READ_CACHE_MB: '0' }, name: 'server-uncached' });
    stops.push(uncached.stop);
    const all = reads(seeded.initiativeKeys, seeded.metricKeys);
    const rows: LargeRow[] = all.map((r) => ({ label: r.label, phases: [], flagged: false }));
    const headers = { authorization: `Bearer ${o.adminKey}` };
    const timed = async (row: LargeRow, side: string, url: string, requests: LoadRequest[], seconds: number): Promise<LoadResult> => {
      const r = await runLoad(url, requests, { seconds, headers });
      if (r.non2xx > 0 || r.errors > 0) {
        row.flagged = true;
        failures.push(`${row.label} (${side}): ${r.non2xx} non-2xx ${JSON.stringify(r.statuses)}, ${r.errors} errors`);
      }
      return r;
    };

    for (const [phase, measurements] of steps.entries()) {
      if (phase > 0) {
        t = performance.now();
        addMeasurements(dbPath, seeded, measurements - (steps[phase - 1] ?? 0), phase + 1);
        seedSeconds.push((performance.now() - t) / 1000);
        console.log(`ledger grown to ${measurements} measurements in ${seedSeconds.at(-1)?.toFixed(1)} s`);
      }
      const paths = await capture(server.url, o.adminKey, all);
      const responsesFile = join(o.tmpDir, `large-responses-${measurements}.json`);
      const stored: CeilingResponses = { initiatives: {}, list: { contentType: 'application/json', body: '[]' }, paths };
      writeFileSync(responsesFile, JSON.stringify(stored));
      const ceiling = await startCeilingServer({ repoRoot: o.repoRoot, tmpDir: o.tmpDir, responsesFile });
      try {
        for (const [i, read] of all.entries()) {
          const row = rows[i] as LargeRow;
          const requests: LoadRequest[] = read.paths.map((path) => ({ method: 'GET', path }));
          const cached: number[] = [];
          const bare: number[] = [];
          const computed: number[] = [];
          const p99: number[] = [];
          await timed(row, 'warm-up', server.url, requests, o.mode.warmupSeconds);
          for (let round = 0; round < o.mode.rounds; round++) {
            const s = await timed(row, 'Roadworks', server.url, requests, o.mode.seconds);
            cached.push(s.rate);
            p99.push(s.p99);
            bare.push((await timed(row, 'ceiling', ceiling.url, requests, o.mode.seconds)).rate);
            computed.push((await timed(row, 'Roadworks, cache off', uncached.url, requests, o.mode.seconds)).rate);
          }
          row.phases.push({ measurements, cached: median(cached), ceiling: median(bare), uncached: median(computed), p99: median(p99) });
          console.log(`  ${row.label} at ${measurements} measurements: ${Math.round(median(cached))}/s (ceiling ${Math.round(median(bare))}/s), cache off ${Math.round(median(computed))}/s`);
        }
      } finally {
        await ceiling.stop();
      }
    }

    const exported = await exportAll(server.url, o.adminKey);
    if (exported.rows !== steps.at(-1)) failures.push(`the export streamed ${exported.rows} rows, expected ${steps.at(-1)}`);
    console.log(`  CSV export: ${exported.rows} rows, ${(exported.bytes / 1e6).toFixed(1)} MB in ${exported.seconds.toFixed(1)} s`);
    const peakRss = server.peakRss();
    return { rows, export: exported, peakRss, seedSeconds, failures };
  } finally {
    for (const stop of stops.reverse()) await stop();
  }
}
