import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, type TestApp } from '../helpers/app';
import { createInitiative, createIteration, createMetric, transitionIteration } from '../helpers/factories';

/** The README's measurement one-liners, run as written with curl against a listening server. */

let t: TestApp;
let url: string;
beforeAll(async () => {
  t = await makeApp();
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});
afterAll(() => t.close());

function readmeBlock(heading: string): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf(`## ${heading}`));
  const match = /```sh\n([\s\S]*?)```/.exec(section);
  if (!match?.[1]) throw new Error(`README has no sh block under "${heading}"`);
  return match[1];
}

describe('README: logging measurements', () => {
  it('the JSON and CSV one-liners record a value and a batch', async () => {
    await createMetric(t, { key: 'win_rate', unit: 'ratio', aggregation: 'latest' });
    const initiative = await createInitiative(t, { key: 'lead-scoring' });
    const iteration = await createIteration(t, initiative.key);
    await transitionIteration(t, iteration.id, 'start');

    // Asynchronously: the server answering curl runs in this same process.
    const { stdout: out } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', readmeBlock('Logging measurements')], {
      env: { PATH: process.env.PATH, RW: url, KEY: t.adminKey },
      encoding: 'utf8',
      timeout: 20_000,
    });
    const answers = out.trim().split(/\n(?=\{)|(?<=\})(?=\{)/).map((s) => JSON.parse(s) as Record<string, unknown>);
    expect(answers).toHaveLength(2);
    expect(answers[0]).toMatchObject({ metric: 'win_rate', value: 0.23, iteration_id: iteration.id });
    expect(answers[1]).toMatchObject({ count: 2 });
    const rows = t.db.$client.prepare('SELECT value, source FROM measurements ORDER BY id').all();
    expect(rows).toEqual([
      { value: 0.23, source: null },
      { value: 0.24, source: 'crm-export' },
      { value: 0.26, source: 'crm-export' },
    ]);
  });
});
