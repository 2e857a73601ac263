import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stableId, type PostmanCollection } from '../../scripts/clients/postman-types';
import { bodyOf, COLLECTION_FILE, failuresOf, runCollection } from './newman-run';
import { serveApp, type ServedApp } from './served-app';

const collection = JSON.parse(readFileSync(COLLECTION_FILE, 'utf8')) as PostmanCollection;
const scenario = collection.item.find((f) => f.name === 'Scenario')?.item ?? [];
/** Every `pm.test` the Scenario's scripts declare: all of them must run, not only pass. */
const declaredTests = scenario.flatMap((i) => i.event ?? []).flatMap((e) => e.script.exec).filter((l) => l.startsWith('pm.test(')).length;

let t: ServedApp;
beforeAll(async () => {
  t = await serveApp();
});
afterAll(async () => {
  await t.close();
});

describe('the Postman collection, run by newman against a listening server', () => {
  it('runs the Scenario folder green: every request and every declared test', async () => {
    const summary = await runCollection({ baseUrl: t.baseUrl, apiKey: t.adminKey, folder: 'Scenario' });
    expect(failuresOf(summary)).toEqual([]);
    expect(summary.run.executions.map((e) => e.item.name)).toEqual(scenario.map((i) => i.name));
    expect(scenario.length).toBeGreaterThanOrEqual(15);
    expect(summary.run.stats.assertions.total).toBe(declaredTests);

    // What the run left behind, read back through the API: version 1 closed with its decision.
    const initiative = bodyOf(summary, 'Create an initiative') as { key: string };
    const metric = bodyOf(summary, 'Create a central metric') as { key: string };
    const res = await t.call({ method: 'GET', url: `/v1/initiatives/${initiative.key}/progress` });
    expect(res.statusCode).toBe(200);
    const [v1] = res.json().versions;
    expect(v1).toMatchObject({ number: 1, status: 'closed', decision: 'persevere' });
    expect(v1.tracked_metrics[0]).toMatchObject({ metric: metric.key, current: 0.23 });
  });

  it('runs the Scenario again on the same server: each run makes its own keys', async () => {
    const summary = await runCollection({ baseUrl: t.baseUrl, apiKey: t.adminKey, folder: 'Scenario' });
    expect(failuresOf(summary)).toEqual([]);
    expect(summary.run.stats.assertions.total).toBe(declaredTests);
  });

  it('fails its tests when the key is wrong', async () => {
    const first = scenario[0]?.id ?? '';
    const summary = await runCollection({ baseUrl: t.baseUrl, apiKey: 'rw_not_a_key_0123456789abcdef', folder: first });
    expect(summary.run.executions.map((e) => e.response?.code)).toEqual([401]);
    expect(failuresOf(summary)[0]).toMatch(/^Create a team: Create a team: 201: expected response to have status code 201 but got 401/);
  });

  it('sends the generated requests as they are: bearer apiKey inherited, open probes without a key', async () => {
    const reads = ['getHealth', 'getReadiness', 'listTeams', 'listMetrics', 'getPolicy', 'getDashboardSummary', 'listActivity'];
    const summary = await runCollection({ baseUrl: t.baseUrl, apiKey: t.adminKey, folder: reads.map((op) => stableId(`operation:${op}`)) });
    expect(summary.run.executions).toHaveLength(reads.length);
    for (const e of summary.run.executions) expect([e.item.name, e.requestError?.message, e.response?.code]).toEqual([e.item.name, undefined, 200]);
  });
});
