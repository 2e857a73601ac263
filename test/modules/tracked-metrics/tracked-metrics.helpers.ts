import { expect } from 'vitest';
import { newId } from '../../../src/lib/ids';
import { TrackedMetricPage, TrackedMetricSchema, type TrackedMetric } from '../../../src/modules/tracked-metrics/tracked-metrics.schemas';
import type { TestApp } from '../../helpers/app';

/** What a measurement row needs: the metric, and the iteration with its initiative. */
export interface MeasureTarget {
  metric: { id: string };
  iteration: { id: string; initiative: { id: string } };
}

/**
 * Logs a live measurement by inserting it into the ledger (the triggers keep measurement_rollups),
 * under the metric's current definition version unless one is given. Returns its id.
 */
export function measure(t: TestApp, on: MeasureTarget, value: number, observedAt = t.clock.now().toISOString(), definitionVersion?: number): string {
  const id = newId('mea');
  const version =
    definitionVersion ??
    (t.db.$client.prepare('SELECT definition_version AS v FROM metrics WHERE id = ?').get(on.metric.id) as { v: number }).v;
  t.db.$client
    .prepare(
      `INSERT INTO measurements (id, metric_id, definition_version, iteration_id, initiative_id, value, observed_at, recorded_at, recorded_by_key_id, recorded_by_name)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'key_test', 'test')`,
    )
    .run(id, on.metric.id, version, on.iteration.id, on.iteration.initiative.id, value, observedAt, t.clock.now().toISOString());
  return id;
}

export const voidMeasurement = (t: TestApp, id: string) =>
  t.db.$client.prepare("UPDATE measurements SET voided_at = ?, void_reason = 'typo' WHERE id = ?").run(t.clock.now().toISOString(), id);

/** Tracks a metric through the API (as `key`, the admin by default) and returns the parsed body. */
export async function track(t: TestApp, iterationId: string, body: Record<string, unknown>, key?: string): Promise<TrackedMetric> {
  const res = await t.call({ method: 'POST', url: `/v1/iterations/${iterationId}/metrics`, payload: body, key });
  expect(res.statusCode, res.body).toBe(201);
  return TrackedMetricSchema.parse(res.json());
}

export async function getTracked(t: TestApp, iterationId: string, metricKey: string): Promise<TrackedMetric> {
  const res = await t.call({ method: 'GET', url: `/v1/iterations/${iterationId}/metrics/${metricKey}` });
  expect(res.statusCode, res.body).toBe(200);
  return TrackedMetricSchema.parse(res.json());
}

export async function listTracked(t: TestApp, iterationId: string): Promise<TrackedMetric[]> {
  const res = await t.call({ method: 'GET', url: `/v1/iterations/${iterationId}/metrics` });
  expect(res.statusCode, res.body).toBe(200);
  return TrackedMetricPage.parse(res.json()).data;
}
