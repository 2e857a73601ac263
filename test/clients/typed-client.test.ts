import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, type SyncJob } from '../../examples/typed-client';
import { createKey, createTeam, uniqueKey } from '../helpers/factories';
import { serveApp, type ServedApp } from './served-app';

let t: ServedApp;
let job: SyncJob;
let editorKey: string;
beforeAll(async () => {
  t = await serveApp();
  const team = await createTeam(t);
  editorKey = (await createKey(t, 'editor', [team.key])).secret;
  job = { team: team.key, initiative: uniqueKey('sync'), metric: uniqueKey('meetings').replace(/-/g, '_'), values: [3, 5, 4] };
});
afterAll(async () => {
  await t.close();
});

describe('examples/typed-client, run against a listening server', () => {
  it('creates the metric, the initiative and a running v1, logs the batch and reads the progress', async () => {
    const result = await run(t.baseUrl, editorKey, job);
    expect(result).toMatchObject({ createdInitiative: true, iteration: { number: 1, status: 'under_construction' }, recorded: 3 });
    // A sum metric: 3 + 5 + 4 against a target of 40 from 0.
    expect(result.tracked).toMatchObject({ metric: job.metric, baseline: 0, target: 40, current: 12, progress: 0.3 });

    const measurements = await t.call({ method: 'GET', url: `/v1/measurements?iteration=${result.iteration.id}` });
    expect(measurements.statusCode).toBe(200);
    // Rows observed at the same instant list in no particular order.
    const rows = measurements.json().data.map((m: { value: number; source: string }) => `${m.value} ${m.source}`);
    expect(rows.sort()).toEqual(['3 typed-client', '4 typed-client', '5 typed-client']);
  });

  it('runs again: the taken initiative key (409) is handled and the running iteration reused', async () => {
    const first = await t.call({ method: 'GET', url: `/v1/initiatives/${job.initiative}` });
    const result = await run(t.baseUrl, editorKey, { ...job, values: [6] });
    expect(result).toMatchObject({ createdInitiative: false, iteration: { id: first.json().current_iteration.id, number: 1 }, recorded: 1 });
    expect(result.tracked?.current).toBe(18);
  });

  it('turns a refusal into a RoadworksError carrying the problem', async () => {
    const viewer = await createKey(t, 'viewer');
    await expect(run(t.baseUrl, viewer.secret, { ...job, initiative: uniqueKey('sync') })).rejects.toMatchObject({
      name: 'Error',
      problem: { status: 403, code: 'forbidden' },
      message: expect.stringMatching(/^403 forbidden: /),
    });
  });
});
