import { eq, sql } from 'drizzle-orm';
import { trackedMetrics } from '../../db/schema';
import type { Db } from '../../db/client';
import { perDb } from '../../lib/per-db';
import { carriedChain } from '../iterations/item-lineage.sql';
import type { AGGREGATIONS, DIRECTIONS, UNITS } from '../../db/schema/metrics';

export type TrackedMetricRow = typeof trackedMetrics.$inferSelect;

/**
 * A tracked metric with its catalog metric (current definition) and the rollup of this iteration's
 * live measurements under that definition; the rollup columns are null before any measurement.
 */
export interface TrackedMetricView extends TrackedMetricRow {
  metricKey: string;
  metricName: string;
  unit: (typeof UNITS)[number];
  currencyCode: string | null;
  direction: (typeof DIRECTIONS)[number];
  aggregation: (typeof AGGREGATIONS)[number];
  definitionVersion: number;
  count: number | null;
  sum: number | null;
  min: number | null;
  max: number | null;
  latestValue: number | null;
  latestObservedAt: string | null;
}

/** A tracked metric as a diff sees it: `lineage` is the id of the first of its carried chain. */
export interface TrackedMetricLineage {
  id: string;
  lineage: string;
  metricKey: string;
  baseline: number | null;
  target: number | null;
}

// One statement per read: the rollup is looked up by its primary key, so a list costs one index
// probe per tracked metric and never touches the measurement ledger.
const VIEW = `
  SELECT tm.id, tm.iteration_id AS iterationId, tm.metric_id AS metricId, tm.baseline, tm.target,
         tm.carried_from AS carriedFrom, tm.version, tm.created_at AS createdAt, tm.updated_at AS updatedAt,
         m.key AS metricKey, m.name AS metricName, m.unit, m.currency_code AS currencyCode, m.direction,
         m.aggregation, m.definition_version AS definitionVersion,
         r.count, r.sum, r.min, r.max, r.latest_value AS latestValue, r.latest_observed_at AS latestObservedAt
  FROM tracked_metrics tm
  JOIN metrics m ON m.id = tm.metric_id
  LEFT JOIN measurement_rollups r
    ON r.iteration_id = tm.iteration_id AND r.metric_id = tm.metric_id AND r.definition_version = m.definition_version`;

export const trackedMetricsRepo = perDb((db: Db) => {
  const c = db.$client;
  const page = c.prepare<[string, string, number], TrackedMetricView>(`${VIEW} WHERE tm.iteration_id = ? AND tm.id > ? ORDER BY tm.id LIMIT ?`);
  const all = c.prepare<[string], TrackedMetricView>(`${VIEW} WHERE tm.iteration_id = ? ORDER BY tm.id`);
  const byKey = c.prepare<[string, string], TrackedMetricView>(`${VIEW} WHERE tm.iteration_id = ? AND m.key = ?`);
  const lineages = c.prepare<[string], TrackedMetricLineage>(`${carriedChain('tracked_metrics')}
    SELECT tm.id, chain.origin AS lineage, m.key AS metricKey, tm.baseline, tm.target
    FROM chain JOIN tracked_metrics tm ON tm.id = chain.id JOIN metrics m ON m.id = tm.metric_id
    WHERE chain.parent IS NULL
    ORDER BY tm.id`);
  const trackedIds = c.prepare<[string], { metricId: string }>('SELECT metric_id AS metricId FROM tracked_metrics WHERE iteration_id = ?');

  const P = sql.placeholder;
  const insert = db
    .insert(trackedMetrics)
    .values({
      id: P('id'),
      iterationId: P('iterationId'),
      metricId: P('metricId'),
      baseline: P('baseline'),
      target: P('target'),
      carriedFrom: P('carriedFrom'),
      version: P('version'),
      createdAt: P('createdAt'),
      updatedAt: P('updatedAt'),
    })
    .prepare();
  const remove = db.delete(trackedMetrics).where(eq(trackedMetrics.id, P('id'))).prepare();

  return {
    /** A page in id order (creation order), `limit + 1` rows. */
    page: (iterationId: string, p: { limit: number; cursor?: string }): TrackedMetricView[] =>
      page.all(iterationId, p.cursor ?? '', p.limit + 1),
    all: (iterationId: string): TrackedMetricView[] => all.all(iterationId),
    findByKey: (iterationId: string, metricKey: string): TrackedMetricView | undefined => byKey.get(iterationId, metricKey),
    lineages: (iterationId: string): TrackedMetricLineage[] => lineages.all(iterationId),
    trackedMetricIds: (iterationId: string): Set<string> => new Set(trackedIds.all(iterationId).map((r) => r.metricId)),

    insert: (row: TrackedMetricRow) => void insert.run(row),
    update: (id: string, patch: Partial<TrackedMetricRow>) =>
      void db.update(trackedMetrics).set(patch).where(eq(trackedMetrics.id, id)).run(),
    delete: (id: string) => void remove.run({ id }),
  };
});
