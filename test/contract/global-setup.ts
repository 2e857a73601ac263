import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { openDatabase } from '../../src/db/client';
import { createLogger } from '../../src/logger';
import { compileContract, type ContractIndex } from './document';
import type { FileRun } from './recorder';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where the compiled contract lives and where each test file reports what it exercised. */
    contractDir: string;
  }
}

/** The document as GET /openapi.json serves it. */
async function servedDocument(): Promise<Parameters<typeof compileContract>[0]> {
  const db = openDatabase({ path: ':memory:' });
  const app = await buildApp({ config: loadConfig({ DATABASE_PATH: ':memory:' }), db, logger: createLogger('silent') });
  try {
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    if (res.statusCode !== 200) throw new Error(`GET /openapi.json answered ${res.statusCode}`);
    return res.json();
  } finally {
    await app.close();
    db.$client.close();
  }
}

/**
 * Compiles the served document once per run for the test workers (see setup.ts), and after the
 * run, when every test file ran unfiltered, fails it unless every documented status of every
 * operation was answered by some test and no test saw an undocumented one. Vitest only logs an
 * error thrown by a global teardown, so the gate sets the exit code itself.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = mkdtempSync(join(tmpdir(), 'roadworks-contract-'));
  mkdirSync(join(dir, 'runs'));
  const { index, code } = compileContract(await servedDocument());
  writeFileSync(join(dir, 'contract.json'), JSON.stringify(index));
  writeFileSync(join(dir, 'validators.cjs'), code);
  project.provide('contractDir', dir);
  return async () => {
    try {
      const failure = await coverageFailure(project, index, join(dir, 'runs'));
      if (failure) {
        console.error(failure);
        process.exitCode = 1;
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

async function coverageFailure(project: TestProject, index: ContractIndex, runsDir: string): Promise<string | undefined> {
  const runs = readdirSync(runsDir).map((name) => JSON.parse(readFileSync(join(runsDir, name), 'utf8')) as FileRun);
  const ran = new Set(runs.map((r) => r.file));
  const { testFiles } = await project.globTestFiles();
  const filtered = project.config.testNamePattern ? 'tests filtered by name' : undefined;
  if (filtered || !testFiles.every((f) => ran.has(f))) {
    console.log(`Contract coverage is checked when the whole suite runs (${filtered ?? `${ran.size} of ${testFiles.length} test files ran`}).`);
    return undefined;
  }
  const exercised = new Set(runs.flatMap((r) => r.exercised));
  const undocumented = [...new Set(runs.flatMap((r) => r.undocumented))].sort();
  const documented = index.operations.flatMap((op) => Object.keys(op.responses).map((status) => ({ op, status })));
  const missing = documented.filter(({ op, status }) => !exercised.has(`${op.operationId} ${status}`));
  const summary = `Contract coverage: ${index.operations.length} operations, ${documented.length} documented responses, ${documented.length - missing.length} exercised.`;
  if (missing.length === 0 && undocumented.length === 0) {
    console.log(summary);
    return undefined;
  }
  const lines = [`\n${summary}`];
  if (missing.length > 0) {
    lines.push('Documented but never answered by a test (write a test that produces it, or drop it from the route if it cannot happen):');
    lines.push(...missing.map(({ op, status }) => `  ${op.operationId} ${status}  (${op.method} ${op.path})`));
  }
  if (undocumented.length > 0) {
    lines.push('Answered but not documented (document it on the route):', ...undocumented.map((pair) => `  ${pair}`));
  }
  return lines.join('\n');
}
