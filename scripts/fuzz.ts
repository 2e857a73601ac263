/**
 * The long fuzz run: `npm run fuzz -- --requests 100000 [--seed N] [--path P]`. The same
 * generator and checks as test/fuzz/fuzz.test.ts (which sends 3,000 in `npm test`); prints the
 * requests sent, the statuses, the 5xx count, the time taken and the database checks, and exits
 * non-zero on any failure, printing the shrunk request as code that sends it again.
 */
import { parseArgs } from 'node:util';
import { fuzzPassed, runFuzz } from '../test/fuzz/run';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '10000' },
    seed: { type: 'string' },
    path: { type: 'string' },
  },
});

const requests = Number(values.requests);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
if (!Number.isInteger(requests) || requests < 1 || !Number.isInteger(seed)) {
  console.error('usage: npm run fuzz -- [--requests N] [--seed N] [--path P]');
  process.exit(2);
}

console.log(`Fuzzing ${requests} requests, seed ${seed}${values.path ? `, path ${values.path}` : ''}`);
const report = await runFuzz({ requests, seed, path: values.path, progress: (n) => n % 10_000 === 0 && console.log(`  ${n} sent`) });

const statuses = Object.entries(report.statuses)
  .map(([status, n]) => `${status}: ${n}`)
  .join(', ');
const reached = Object.keys(report.successes).length;
console.log(`Sent ${report.sent} requests in ${(report.elapsedMs / 1000).toFixed(1)} s (${Math.round(report.sent / (report.elapsedMs / 1000))}/s)`);
console.log(`Statuses: ${statuses}`);
console.log(`5xx: ${report.serverErrors}`);
console.log(`Operations answered with a success at least once: ${reached}`);
console.log(
  `Successes by operation: ${Object.entries(report.successes)
    .sort(([, a], [, b]) => b - a)
    .map(([op, n]) => `${op} ${n}`)
    .join(', ')}`,
);
console.log(`integrity_check: ${report.integrity.integrity.join('; ')}`);
console.log(`foreign_key_check: ${report.integrity.foreignKeys.length === 0 ? 'clean' : JSON.stringify(report.integrity.foreignKeys.slice(0, 20))}`);
console.log(`rollups recomputed from the ledger: ${report.integrity.rollups.length === 0 ? 'equal' : JSON.stringify(report.integrity.rollups.slice(0, 20), null, 2)}`);
if (report.failure) console.log(`\nFAILED (replay: npm run fuzz -- --requests ${requests} --seed ${seed} [--path from the report])\n${report.failure}`);
const passed = fuzzPassed(report);
console.log(passed ? 'PASSED' : 'FAILED');
process.exit(passed ? 0 : 1);
