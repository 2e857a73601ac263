import { expect } from 'vitest';
import type { TestApp } from '../../helpers/app';
import { createMetric, uniqueKey, type MetricOverrides } from '../../helpers/factories';
import { HypothesisSchema, type Hypothesis } from '../../../src/modules/hypotheses/hypotheses.schemas';

/**
 * Measurements and tracked targets are written straight into their tables here: the triggers of
 * migration 0002 keep measurement_rollups as the ledger's routes would, and hypotheses read only
 * the rollups and tracked_metrics.
 */

let seq = 0;

/** A catalog metric through the API, keyed with underscores like catalog keys (win_rate_12_ab). */
export const metric = (t: TestApp, overrides: MetricOverrides = {}) =>
  createMetric(t, { key: uniqueKey('m').replaceAll('-', '_'), unit: 'number', ...overrides });

export interface Where {
  metricId: string;
  iterationId: string;
  initiativeId: string;
}

/** Appends live measurements (one observation per second, in the order given) to the ledger. */
export function measure(t: TestApp, where: Where, values: number[], definitionVersion = 1): string[] {
  const insert = t.db.$client.prepare(
    `INSERT INTO measurements (id, metric_id, definition_version, iteration_id, initiative_id, value, observed_at, recorded_at, recorded_by_key_id, recorded_by_name)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'key_test', 'test')`,
  );
  return values.map((value) => {
    seq += 1;
    const id = `msr_test${String(seq).padStart(10, '0')}`;
    const at = new Date(Date.parse('2026-01-05T10:00:00Z') + seq * 1000).toISOString();
    insert.run(id, where.metricId, definitionVersion, where.iterationId, where.initiativeId, value, at, at);
    return id;
  });
}

/** Voids a measurement: the correction trigger takes it out of the rollup. */
export const voidMeasurement = (t: TestApp, id: string) =>
  t.db.$client.prepare("UPDATE measurements SET voided_at = '2026-01-06T00:00:00.000Z', void_reason = 'typo' WHERE id = ?").run(id);

/** Tracks a metric in an iteration with a target (null for none). */
export function track(t: TestApp, iterationId: string, metricId: string, target: number | null, baseline: number | null = null): void {
  seq += 1;
  t.db.$client
    .prepare(
      `INSERT INTO tracked_metrics (id, iteration_id, metric_id, baseline, target, version, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, 1, '2026-01-05T09:00:00.000Z', '2026-01-05T09:00:00.000Z')`,
    )
    .run(`tmt_test${String(seq).padStart(10, '0')}`, iterationId, metricId, baseline, target);
}

/** Creates a hypothesis through the API (as `key`, the admin by default). */
export async function createHypothesis(t: TestApp, iterationId: string, body: Record<string, unknown>, key?: string): Promise<Hypothesis> {
  const res = await t.call({
    method: 'POST',
    url: `/v1/iterations/${iterationId}/hypotheses`,
    key,
    payload: { statement: 'We believe that scoring leads lifts the win rate', ...body },
  });
  expect(res.statusCode, res.body).toBe(201);
  return HypothesisSchema.parse(res.json());
}

export async function getHypothesis(t: TestApp, id: string): Promise<Hypothesis> {
  const res = await t.call({ method: 'GET', url: `/v1/hypotheses/${id}` });
  expect(res.statusCode, res.body).toBe(200);
  return HypothesisSchema.parse(res.json());
}
