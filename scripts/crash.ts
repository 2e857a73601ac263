/**
 * The long crash-durability run: `npm run crash -- --cycles 200 [--synchronous NORMAL]`. Kills
 * the server with SIGKILL under write load, restarts it on the same file and checks every
 * acknowledged write, cycle after cycle (test/helpers/crash-run.ts; `npm test` runs a bounded
 * run of the same code in test/crash/crash.test.ts). Exits 1 when any check failed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runCrashCycles } from '../test/helpers/crash-run';
import { bundleFolder, bundleServer } from '../test/helpers/server-process';

const { values } = parseArgs({
  options: {
    cycles: { type: 'string', default: '50' },
    synchronous: { type: 'string', default: 'FULL' },
    'min-load-ms': { type: 'string', default: '150' },
    'max-load-ms': { type: 'string', default: '1500' },
  },
});
const cycles = Number(values.cycles);
const synchronous = values.synchronous.toUpperCase();
const loadMs: [number, number] = [Number(values['min-load-ms']), Number(values['max-load-ms'])];
if (!Number.isInteger(cycles) || cycles < 1 || (synchronous !== 'FULL' && synchronous !== 'NORMAL') || !(loadMs[0] >= 0 && loadMs[1] >= loadMs[0])) {
  process.stderr.write('usage: npm run crash -- [--cycles N] [--synchronous FULL|NORMAL] [--min-load-ms MS] [--max-load-ms MS]\n');
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'roadworks-crash-'));
const folder = bundleFolder();
const started = performance.now();
try {
  const server = await bundleServer(folder.path);
  const figures = await runCrashCycles({
    bundle: server,
    dir,
    cycles,
    loadMs,
    synchronous,
    log: (line) => process.stdout.write(`${line}\n`),
  });
  const { problems, ...counts } = figures;
  process.stdout.write(`\nDB_SYNCHRONOUS=${synchronous}, ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  for (const [name, n] of Object.entries(counts)) process.stdout.write(`  ${name.padEnd(20)} ${n}\n`);
  if (problems.length > 0) {
    process.stdout.write(`\n${problems.length} problem(s):\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
    process.exitCode = 1;
  } else {
    process.stdout.write('\nEvery acknowledged write survived every kill; nothing was half applied; every replay matched.\n');
  }
} finally {
  folder.remove();
  rmSync(dir, { recursive: true, force: true });
}
