/**
 * A sync job on the typed client: openapi-fetch checks every path, parameter, body and response
 * against the types generated from the OpenAPI document (openapi/roadworks.d.ts), so a call the
 * API does not take fails to compile instead of failing at night.
 *
 * It makes sure its initiative runs an iteration tracking its metric, logs a batch of values and
 * reads the progress back. It can run again and again: what exists already is reused.
 *
 *   ROADWORKS_URL=http://127.0.0.1:3000 ROADWORKS_API_KEY=<an editor key of the team> \
 *   ROADWORKS_TEAM=revops npx tsx examples/typed-client/index.ts
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import createClient from 'openapi-fetch';
import type { components, paths } from '../../openapi/roadworks';

type Problem = components['schemas']['Problem'];
/** JSON answers only: the CSV forms of the dashboard reads are for spreadsheets, not for this job. */
type Media = 'application/json' | 'application/problem+json';
type Client = ReturnType<typeof createClient<paths, Media>>;

/** A problem+json answer, kept whole: `code` is what to branch on, `errors[]` names bad fields. */
export class RoadworksError extends Error {
  constructor(readonly problem: Problem) {
    const fields = (problem.errors ?? []).map((e) => `\n  ${e.path}: ${e.message}`).join('');
    super(`${problem.status} ${problem.code}: ${problem.detail}${fields}`);
  }
}

/** The data of a successful call; a problem becomes a RoadworksError. */
async function ok<T>(call: Promise<{ data?: T; error?: Problem }>): Promise<T> {
  const { data, error } = await call;
  if (error) throw new RoadworksError(error);
  return data as T;
}

export interface SyncJob {
  team: string;
  initiative: string;
  metric: string;
  /** This run's values, e.g. qualified meetings booked per SDR since the last run. */
  values: number[];
}

export interface SyncResult {
  /** False when the initiative existed already (a re-run). */
  createdInitiative: boolean;
  iteration: { id: string; number: number; status: string };
  recorded: number;
  tracked: components['schemas']['ProgressTrackedMetric'] | undefined;
}

const DEFAULT_JOB: SyncJob = { team: 'revops', initiative: 'sdr-meetings', metric: 'qualified_meetings', values: [3, 5, 4] };

export async function run(baseUrl: string, apiKey: string, job: SyncJob = DEFAULT_JOB): Promise<SyncResult> {
  const client = createClient<paths, Media>({ baseUrl, headers: { Authorization: `Bearer ${apiKey}` } });
  await ensureMetric(client, job);
  const { initiative, created } = await ensureInitiative(client, job);
  const iteration = await ensureRunningIteration(client, job, initiative.current_iteration);

  // One request for the whole batch, recorded all or nothing. A retry of this batch (after a
  // timeout, say) must send the same Idempotency-Key: the server then replays its first answer
  // instead of recording the rows twice.
  const batch = await ok(
    client.POST('/v1/measurements', {
      params: { header: { 'Idempotency-Key': randomUUID() } },
      body: job.values.map((value) => ({ metric: job.metric, initiative: job.initiative, value, source: 'typed-client' })),
    }),
  );
  const recorded = 'count' in batch ? batch.count : 1;

  const progress = await ok(client.GET('/v1/initiatives/{id}/progress', { params: { path: { id: job.initiative } } }));
  const version = progress.versions.find((v) => v.id === iteration.id);
  return {
    createdInitiative: created,
    iteration: { id: iteration.id, number: iteration.number, status: version?.status ?? iteration.status },
    recorded,
    tracked: version?.tracked_metrics.find((m) => m.metric === job.metric),
  };
}

/** The team's own metric, created on the first run (a 404 is expected then, not a failure). */
async function ensureMetric(client: Client, job: SyncJob): Promise<void> {
  const { error } = await client.GET('/v1/metrics/{key}', { params: { path: { key: job.metric } } });
  if (!error) return;
  if (error.code !== 'not_found') throw new RoadworksError(error);
  await ok(
    client.POST('/v1/metrics', {
      body: { key: job.metric, name: 'Qualified meetings', unit: 'count', direction: 'increase', aggregation: 'sum', scope: 'team', team: job.team },
    }),
  );
}

/** Creates the initiative; on a re-run the key is taken (409 conflict) and the existing one is read. */
async function ensureInitiative(client: Client, job: SyncJob) {
  const { data, error } = await client.POST('/v1/initiatives', {
    body: { key: job.initiative, title: 'Book more qualified meetings', team: job.team, horizon: 'now' },
  });
  if (data) return { initiative: data, created: true };
  if (error.code !== 'conflict') throw new RoadworksError(error);
  return { initiative: await ok(client.GET('/v1/initiatives/{id}', { params: { path: { id: job.initiative } } })), created: false };
}

/** The running iteration (measurements still land on one in review), or a new one tracking the metric, started. */
async function ensureRunningIteration(client: Client, job: SyncJob, current: components['schemas']['CurrentIteration'] | null) {
  if (current?.status === 'under_construction' || current?.status === 'in_review') return current;
  const id = { params: { path: { id: job.initiative } } };
  const planned = await ok(client.POST('/v1/initiatives/{id}/iterations', { ...id, body: { goal: 'Book 40 qualified meetings' } }));
  const iteration = { params: { path: { id: planned.id } } };
  await ok(client.POST('/v1/iterations/{id}/metrics', { ...iteration, body: { metric: job.metric, baseline: 0, target: 40 } }));
  return ok(client.POST('/v1/iterations/{id}/start', iteration));
}

// Run as a script (not when imported by the test).
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { ROADWORKS_URL = 'http://127.0.0.1:3000', ROADWORKS_API_KEY = '', ROADWORKS_TEAM = DEFAULT_JOB.team } = process.env;
  run(ROADWORKS_URL, ROADWORKS_API_KEY, { ...DEFAULT_JOB, team: ROADWORKS_TEAM }).then(
    (result) => console.log(JSON.stringify(result, null, 2)),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exitCode = 1;
    },
  );
}
