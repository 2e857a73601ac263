import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { makeApp, type TestApp } from '../helpers/app';
import { createMetric, createStartedIteration } from '../helpers/factories';
import { expectProblem } from '../helpers/problems';

/** A fresh folder for a database file: faults happen to files, never to `:memory:`. */
export const tempDir = (name: string) => mkdtempSync(join(tmpdir(), `roadworks-${name}-`));

/** Closes the app, if it was made, and removes its folder, even after a set-up that failed half-way. */
export async function cleanUp(dir: string | undefined, t: TestApp | undefined): Promise<void> {
  try {
    await t?.close();
  } finally {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }
}

/** An app on a file, with a running iteration to write to and a metric to measure. */
export async function appOnFile(path: string, env: Record<string, string> = {}) {
  const t = await makeApp(env, path);
  const { initiative, iteration } = await createStartedIteration(t);
  const metric = await createMetric(t);
  return { t, initiative, iteration, metric };
}

/** A check-in: a small single write. */
export const postCheckIn = (t: TestApp, iterationId: string, headers: Record<string, string> = {}, note = 'on track') =>
  t.call({ method: 'POST', url: `/v1/iterations/${iterationId}/check-ins`, payload: { health: 'on_track', note }, headers });

/** A measurement batch of `rows` rows, recorded all or nothing. */
export const postBatch = (t: TestApp, metric: string, initiative: string, rows: number) =>
  t.call({
    method: 'POST',
    url: '/v1/measurements',
    payload: Array.from({ length: rows }, (_, i) => ({ metric, initiative, value: i, source: `batch row ${i} `.repeat(8) })),
  });

export const rowCount = (t: TestApp, table: 'check_ins' | 'measurements' | 'teams' | 'idempotency_keys'): number =>
  t.db.$client.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;

/** A 503 storage_unavailable with Retry-After, whose detail names the fault in words and says nothing was saved. */
export function expectStorageUnavailable(res: LightMyRequestResponse, fault: RegExp): void {
  const problem = expectProblem(res, 503, 'storage_unavailable');
  expect(res.headers['retry-after']).toBe('5');
  expect(problem.detail).toMatch(fault);
  expect(problem.detail).toMatch(/nothing was saved/);
  expect(problem.detail).not.toMatch(/sqlite|SQLITE_|errno/i);
  expect(res.headers.location).toBeUndefined();
  expect(res.headers.etag).toBeUndefined();
}

/** /readyz answers 503 not_ready naming the fault, with Retry-After. */
export async function expectNotReady(t: TestApp, fault: RegExp): Promise<void> {
  const res = await t.call({ method: 'GET', url: '/readyz', key: null });
  const problem = expectProblem(res, 503, 'not_ready');
  expect(problem.detail).toMatch(fault);
  expect(res.headers['retry-after']).toBe('5');
}

export async function expectReady(t: TestApp): Promise<void> {
  const res = await t.call({ method: 'GET', url: '/readyz', key: null });
  expect(res.statusCode, res.body).toBe(200);
}

/**
 * After a fault, the same Idempotency-Key runs the request afresh (the failed attempt stored no
 * response), and only then is it replayed.
 */
export async function expectIdempotentRetrySucceeds(send: () => Promise<LightMyRequestResponse>): Promise<void> {
  const retried = await send();
  expect(retried.statusCode, retried.body).toBe(201);
  expect(retried.headers['idempotent-replayed']).toBeUndefined();
  const replayed = await send();
  expect(replayed.statusCode).toBe(201);
  expect(replayed.headers['idempotent-replayed']).toBe('true');
  expect(replayed.body).toBe(retried.body);
}
