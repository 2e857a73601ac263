/** Turns the measured rounds into the results table, and writes bench/RESULTS.md. */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import type { LoadResult } from './load';

export interface MeasuredRow {
  label: string;
  ceilingUnit: 'requests/s' | 'rows/s';
  /** One entry per round; server[i] and ceiling[i] were measured back to back. */
  server: LoadResult[];
  ceiling: number[];
  minRatio: number;
  /** Set when a run of this row had non-2xx answers or errors: the figures are not valid. */
  flagged: boolean;
}

export interface Report {
  rows: MeasuredRow[];
  peakRss: { bytes: number; pid: number };
  maxRssBytes: number;
  /** Median cold start of the start command, spawn to first 200 on /readyz (absent with --only). */
  coldStart?: { nodeMs: number; npmMs: number; starts: number; maxMs: number };
  /** Extra lines printed under the table (secondary figures). */
  extras: string[];
  settings: string;
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
};

export const rowRatio = (row: MeasuredRow): number => median(row.server.map((r, i) => r.rate / (row.ceiling[i] ?? NaN)));

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const mb = (bytes: number) => bytes / 1_000_000;

export function allTargetsMet(report: Report): boolean {
  const coldStartMet = report.coldStart === undefined || report.coldStart.nodeMs < report.coldStart.maxMs;
  return report.rows.every((r) => !r.flagged && rowRatio(r) >= r.minRatio) && report.peakRss.bytes < report.maxRssBytes && coldStartMet;
}

export function renderTable(report: Report): string {
  const lines = [
    '| request | requests/s | p50 ms | p99 ms | ceiling | ratio | target | result |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |',
  ];
  for (const row of report.rows) {
    const ratio = rowRatio(row);
    const result = row.flagged ? 'FLAGGED (non-2xx or errors)' : ratio >= row.minRatio ? 'PASS' : 'MISS';
    lines.push(
      `| ${row.label} | ${fmt(median(row.server.map((r) => r.rate)))} | ${fmt(median(row.server.map((r) => r.p50)))} | ` +
        `${fmt(median(row.server.map((r) => r.p99)))} | ${fmt(median(row.ceiling))} ${row.ceilingUnit} | ${fmt(ratio, 3)} | ` +
        `ratio >= ${row.minRatio} | ${result} |`,
    );
  }
  const rss = mb(report.peakRss.bytes);
  lines.push(`| server peak RSS (VmHWM) | ${fmt(rss, 1)} MB | | | | | < ${fmt(mb(report.maxRssBytes))} MB | ${report.peakRss.bytes < report.maxRssBytes ? 'PASS' : 'MISS'} |`);
  const cold = report.coldStart;
  if (cold) {
    lines.push(
      `| cold start, spawn to first 200 on /readyz (median of ${cold.starts}; through \`npm start\`: ${fmt(cold.npmMs)} ms) | ${fmt(cold.nodeMs)} ms | | | | | < ${fmt(cold.maxMs)} ms | ${cold.nodeMs < cold.maxMs ? 'PASS' : 'MISS'} |`,
    );
  }
  return lines.join('\n');
}

export function renderRounds(report: Report): string {
  const lines = ['| request | Roadworks per round | ceiling per round | ratio per round |', '| --- | --- | --- | --- |'];
  for (const row of report.rows) {
    const ratios = row.server.map((r, i) => fmt(r.rate / (row.ceiling[i] ?? NaN), 3));
    lines.push(`| ${row.label} | ${row.server.map((r) => fmt(r.rate)).join(', ')} | ${row.ceiling.map((c) => fmt(c)).join(', ')} | ${ratios.join(', ')} |`);
  }
  return lines.join('\n');
}

export function machine(synchronous: string): string[] {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown';
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // Not a git checkout: leave the commit unknown.
  }
  return [
    `- CPU: ${model.trim()}, ${cpus().length} cores`,
    `- memory: ${fmt(totalmem() / 2 ** 30, 1)} GiB`,
    `- Node.js ${process.version}`,
    `- DB_SYNCHRONOUS=${synchronous}`,
    `- commit ${commit} (the working tree may have had uncommitted changes)`,
  ];
}

const NOTES = `## Notes

- Roadworks is started with \`npm start\` and its default settings (info JSON logs to a file), with a
  fresh temporary database seeded through the API before timing.
- Each row is driven by autocannon over loopback with 50 connections for a fixed time; every round
  measures Roadworks and then its ceiling back to back, the table gives medians over the rounds, and
  the ratio is the median of the per-round ratios. Any non-2xx answer or connection error fails the run.
- Read ceiling: bare Fastify 5 from the same install, logger off, in a separate process, answering
  the exact bytes and content type Roadworks answered for the same request, under the same load.
- Write ceiling: better-sqlite3 inserting the row a check-in stores, one \`BEGIN IMMEDIATE\`
  transaction per row, into a fresh database file migrated like the server's, with WAL and the same
  \`synchronous\` setting; foreign keys are off there (no parent rows), so it is an upper bound.
  The figure with the activity row adds the second insert a check-in makes in the same transaction.
- Peak RSS is the largest VmHWM among the processes under \`npm start\` (the node running
  dist/bin/server.js), read from /proc at the end of the run.
- Cold start: after the load, the server is stopped and started again on the same database by the
  command \`npm start\` runs (package.json's "start": the compiled bundle on plain node), timed from
  the spawn to its first 200 on /readyz (polled every 5 ms); \`npm start\` itself, with npm's own
  start and the stale-build check, is given beside it.
`;

/** A section headed this way is written by hand (the profile and what would close a gap) and kept across runs. */
const KEPT_HEADING = '## Analysis';

function keptAnalysis(path: string): string[] {
  let previous = '';
  try {
    previous = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  // The large run's section (bench/large-report.ts) sits just before the analysis and is kept too.
  const large = previous.indexOf('\n## Large data set');
  const at = large !== -1 ? large : previous.indexOf(`\n${KEPT_HEADING}`);
  return at === -1 ? [] : [previous.slice(at + 1).trimEnd(), ''];
}

export function writeResults(path: string, report: Report, synchronous: string): void {
  const text = [
    '# Benchmark results',
    '',
    `Written by \`npm run bench\` on ${new Date().toISOString()}; rerun it to refresh this file.`,
    '',
    '## Machine',
    '',
    ...machine(synchronous),
    '',
    '## Results',
    '',
    report.settings,
    '',
    renderTable(report),
    '',
    ...report.extras.map((e) => `- ${e}`),
    '',
    '### Rounds',
    '',
    renderRounds(report),
    '',
    NOTES,
    ...keptAnalysis(path),
  ].join('\n');
  writeFileSync(path, text);
}
