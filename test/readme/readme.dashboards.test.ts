import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, type TestApp } from '../helpers/app';
import { createInitiative, createIteration, createKey, createMetric, transitionIteration } from '../helpers/factories';

/** The README's dashboard and export one-liners, each run as written with curl against a listening server. */

let t: TestApp;
let url: string;
beforeAll(async () => {
  t = await makeApp();
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});
afterAll(() => t.close());

/** The commands of the first sh block under `## <heading>`: continuation lines joined, comments dropped. */
function readmeCommands(heading: string): string[] {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf(`## ${heading}`));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error(`README has no sh block under "${heading}"`);
  return block
    .replaceAll('\\\n', ' ')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'));
}

describe('README: dashboards and exports', () => {
  it('the curl lines create a viewer key, export the ledger as CSV and JSON, and read the summary and a series as CSV', async () => {
    t.clock.set('2026-10-05T09:00:00.000Z');
    await createMetric(t, { key: 'win_rate', unit: 'ratio', aggregation: 'latest' });
    const initiative = await createInitiative(t, { key: 'lead-scoring' });
    await transitionIteration(t, (await createIteration(t, initiative.key)).id, 'start');
    t.clock.set('2026-11-10T09:00:00.000Z');
    for (const [value, observed] of [[0.21, '2026-10-12T09:00:00Z'], [0.25, '2026-11-09T09:00:00Z']] as const) {
      const res = await t.call({ method: 'POST', url: '/v1/measurements', payload: { metric: 'win_rate', initiative: 'lead-scoring', value, observed_at: observed } });
      expect(res.statusCode, res.body).toBe(201);
    }
    const viewer = await createKey(t, 'viewer');

    const commands = readmeCommands('Dashboards and exports');
    expect(commands).toHaveLength(5);
    const run = async (command: string) =>
      (
        await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', command], {
          env: { PATH: process.env.PATH, RW: url, ADMIN: t.adminKey, VIEWER: viewer.secret },
          encoding: 'utf8',
          timeout: 20_000,
        })
      ).stdout;
    // Sequentially: the server answering curl runs in this same process.
    const [created, csv, json, summary, series] = [await run(commands[0]!), await run(commands[1]!), await run(commands[2]!), await run(commands[3]!), await run(commands[4]!)];

    expect(JSON.parse(created)).toMatchObject({ name: 'grafana', role: 'viewer' });
    const csvLines = csv.trimEnd().split('\r\n');
    expect(csvLines[0]).toMatch(/^measurement_id,metric,/);
    expect(csvLines).toHaveLength(3);
    // October only: the 12 October value, as a bare array.
    const october = JSON.parse(json) as Array<{ metric: string; value: number }>;
    expect(october.map((r) => [r.metric, r.value])).toEqual([['win_rate', 0.21]]);
    expect(summary.split('\r\n')[0]).toBe('measure,key,value');
    expect(summary).toContain('initiatives_by_status,active,1');
    const seriesLines = series.trimEnd().split('\r\n');
    expect(seriesLines[0]).toMatch(/^metric,definition_version,interval,bucket,value,count/);
    // Weeks of 12 October (Monday the 12th) and 9 November (Monday the 9th).
    expect(seriesLines.slice(1).map((l) => l.split(',').slice(3, 6))).toEqual([
      ['2026-10-12', '0.21', '1'],
      ['2026-11-09', '0.25', '1'],
    ]);
  });
});
