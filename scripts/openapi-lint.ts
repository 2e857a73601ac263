/**
 * Lints openapi/openapi.json (or the file given as the first argument) with Spectral and the
 * ruleset in openapi-ruleset.ts. Fails on any error or warning; info and hints are printed only.
 * Run by `npm test` after `openapi:check`, so it lints exactly what the code generates.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { lintOpenApi } from './openapi-ruleset';

const SEVERITIES = ['error', 'warning', 'info', 'hint'] as const;

async function main(file: string): Promise<void> {
  const results = await lintOpenApi(readFileSync(file, 'utf8'), file);
  const counts = [0, 0, 0, 0];
  for (const r of [...results].sort((a, b) => a.severity - b.severity || a.range.start.line - b.range.start.line)) {
    counts[r.severity] = (counts[r.severity] ?? 0) + 1;
    const where = r.path.length > 0 ? r.path.join('.') : '(document)';
    console.log(`${SEVERITIES[r.severity]}\t${String(r.code)}\t${where}:${r.range.start.line + 1}\t${r.message}`);
  }
  const [errors = 0, warnings = 0, infos = 0, hints = 0] = counts;
  console.log(`${file}: ${errors} errors, ${warnings} warnings, ${infos} infos, ${hints} hints`);
  if (errors + warnings > 0) process.exit(1);
}

void main(process.argv[2] ?? fileURLToPath(new URL('../openapi/openapi.json', import.meta.url)));
