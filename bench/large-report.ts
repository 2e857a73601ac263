/** The large run's tables, written into bench/RESULTS.md under their own heading (kept by the default run). */
import { readFileSync, writeFileSync } from 'node:fs';
import type { LargeReport } from './large';
import { machine } from './report';

export const LARGE_HEADING = '## Large data set';
export const MIN_RATIO = 0.25;
export const MAX_GROWTH = 1.5;
export const MAX_EXPORT_RSS_BYTES = 300_000_000;

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** Rate at the smallest ledger over rate at the largest, with the cache off: how much slower each request got. */
const growthOf = (row: LargeReport['rows'][number]) => (row.phases[0]?.uncached ?? NaN) / (row.phases.at(-1)?.uncached ?? NaN);
const ratioOf = (row: LargeReport['rows'][number]) => {
  const last = row.phases.at(-1);
  return last ? last.cached / last.ceiling : NaN;
};

export function largeTargetsMet(r: LargeReport): boolean {
  return r.failures.length === 0 && r.rows.every((row) => !row.flagged && ratioOf(row) >= MIN_RATIO && growthOf(row) <= MAX_GROWTH) && r.peakRss.bytes < MAX_EXPORT_RSS_BYTES;
}

export function renderLarge(r: LargeReport): string {
  const [small, big] = [r.rows[0]?.phases[0]?.measurements ?? 0, r.rows[0]?.phases.at(-1)?.measurements ?? 0];
  const lines = [
    `| read | requests/s at ${fmt(big)} | p99 ms | ceiling | ratio (>= ${MIN_RATIO}) | cache off at ${fmt(small)} | cache off at ${fmt(big)} | slowdown (<= ${MAX_GROWTH}) | result |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const row of r.rows) {
    const last = row.phases.at(-1);
    const first = row.phases[0];
    if (!last || !first) continue;
    const ok = !row.flagged && ratioOf(row) >= MIN_RATIO && growthOf(row) <= MAX_GROWTH;
    lines.push(
      `| ${row.label} | ${fmt(last.cached)} | ${fmt(last.p99)} | ${fmt(last.ceiling)} | ${fmt(ratioOf(row), 3)} | ${fmt(first.uncached)} | ${fmt(last.uncached)} | ${fmt(growthOf(row), 2)} | ${row.flagged ? 'FLAGGED' : ok ? 'PASS' : 'MISS'} |`,
    );
  }
  const rss = r.peakRss.bytes / 1e6;
  lines.push('');
  lines.push(`- CSV export of the whole ledger: ${fmt(r.export.rows)} rows, ${fmt(r.export.bytes / 1e6, 1)} MB in ${fmt(r.export.seconds, 1)} s (${fmt(r.export.rows / r.export.seconds)} rows/s).`);
  lines.push(`- Server peak RSS through the run, export included: ${fmt(rss, 1)} MB (target < ${fmt(MAX_EXPORT_RSS_BYTES / 1e6)} MB): ${r.peakRss.bytes < MAX_EXPORT_RSS_BYTES ? 'PASS' : 'MISS'}.`);
  lines.push(`- Generation: ${r.seedSeconds.map((s) => `${fmt(s, 1)} s`).join(', then ')} (straight into SQLite through the ledger's own triggers).`);
  return lines.join('\n');
}

export function writeLargeResults(path: string, r: LargeReport, settings: string, synchronous: string): void {
  const section = [
    LARGE_HEADING,
    '',
    `Written by \`npm run bench -- --size large\` on ${new Date().toISOString()}; ${machine(synchronous).map((l) => l.slice(2)).join('; ')}.`,
    '',
    settings,
    '',
    renderLarge(r),
    '',
  ].join('\n');
  const text = readFileSync(path, 'utf8');
  const start = text.indexOf(`\n${LARGE_HEADING}`);
  const analysis = text.indexOf('\n## Analysis');
  const before = start !== -1 ? text.slice(0, start + 1) : analysis !== -1 ? text.slice(0, analysis + 1) : `${text.trimEnd()}\n\n`;
  const after = analysis !== -1 ? text.slice(analysis + 1) : '';
  writeFileSync(path, `${before}${section}\n${after}`);
}
