import { and, asc, eq, getTableColumns, gt, sql, type SQL } from 'drizzle-orm';
import { hypotheses, measurementRollups, metrics, trackedMetrics } from '../../db/schema';
import type { Db } from '../../db/client';
import { perDb } from '../../lib/per-db';
import { carriedChain } from '../iterations/item-lineage.sql';
import type { Suggestion } from './hypotheses.schemas';

export type HypothesisRow = Omit<typeof hypotheses.$inferSelect, 'reviewSuggestion'> & { reviewSuggestion: StoredSuggestions | null };

/**
 * The suggestions a hypothesis keeps, in its review_suggestion column: the one stored when the
 * iteration went to review, and the one in force when a person concluded it. One JSON value
 * holds both so neither fact overwrites the other.
 */
export type StoredSuggestions = {
  review: Suggestion | null;
  conclusion: Suggestion | null;
};

/**
 * A hypothesis with everything its suggestion is computed from: the metric's current definition,
 * the rollup of that definition version in the hypothesis's iteration (null without measurements)
 * and the iteration's tracked target of the metric.
 */
export interface HypothesisView extends HypothesisRow {
  metricKey: string;
  direction: 'increase' | 'decrease';
  aggregation: 'latest' | 'sum' | 'average' | 'min' | 'max';
  count: number | null;
  sum: number | null;
  min: number | null;
  max: number | null;
  latestValue: number | null;
  tracked: boolean;
  target: number | null;
}

export interface HypothesisLineage {
  id: string;
  lineage: string;
  statement: string;
  metricKey: string;
  operator: HypothesisRow['operator'];
  threshold: number | null;
  status: HypothesisRow['status'];
}

export const hypothesesRepo = perDb((db: Db) => {
  const P = sql.placeholder;
  // One statement per read, the list included: the rollup and the target come from joins.
  const viewQuery = () =>
    db
      .select({
        ...getTableColumns(hypotheses),
        metricKey: metrics.key,
        direction: metrics.direction,
        aggregation: metrics.aggregation,
        count: measurementRollups.count,
        sum: measurementRollups.sum,
        min: measurementRollups.min,
        max: measurementRollups.max,
        latestValue: measurementRollups.latestValue,
        tracked: sql<number>`${trackedMetrics.id} IS NOT NULL`.mapWith(Boolean),
        target: trackedMetrics.target,
      })
      .from(hypotheses)
      .innerJoin(metrics, eq(metrics.id, hypotheses.metricId))
      .leftJoin(
        measurementRollups,
        and(
          eq(measurementRollups.iterationId, hypotheses.iterationId),
          eq(measurementRollups.metricId, hypotheses.metricId),
          eq(measurementRollups.definitionVersion, metrics.definitionVersion),
        ),
      )
      .leftJoin(trackedMetrics, and(eq(trackedMetrics.iterationId, hypotheses.iterationId), eq(trackedMetrics.metricId, hypotheses.metricId)));

  const viewById = viewQuery().where(eq(hypotheses.id, P('id'))).prepare();
  const viewsOfIteration = viewQuery().where(eq(hypotheses.iterationId, P('iterationId'))).orderBy(asc(hypotheses.id)).prepare();
  const rowsOfIteration = db.select().from(hypotheses).where(eq(hypotheses.iterationId, P('iterationId'))).orderBy(asc(hypotheses.id)).prepare();

  const lineages = db.$client.prepare<[string], HypothesisLineage>(
    `${carriedChain('hypotheses')}
     SELECT h.id, c.origin AS lineage, h.statement, m.key AS metricKey, h.operator, h.threshold, h.status
     FROM chain c JOIN hypotheses h ON h.id = c.id JOIN metrics m ON m.id = h.metric_id
     WHERE c.parent IS NULL ORDER BY h.id`,
  );

  return {
    findView: (id: string): HypothesisView | undefined => viewById.get({ id }) as HypothesisView | undefined,
    viewsOf: (iterationId: string): HypothesisView[] => viewsOfIteration.all({ iterationId }) as HypothesisView[],
    rowsOf: (iterationId: string): HypothesisRow[] => rowsOfIteration.all({ iterationId }) as HypothesisRow[],
    lineagesOf: (iterationId: string): HypothesisLineage[] => lineages.all(iterationId),

    /** Oldest first (ids increase with time), `limit + 1` rows. */
    list(iterationId: string, f: { status?: HypothesisRow['status'] }, page: { limit: number; cursor?: string }): HypothesisView[] {
      const where: (SQL | undefined)[] = [
        eq(hypotheses.iterationId, iterationId),
        f.status ? eq(hypotheses.status, f.status) : undefined,
        page.cursor ? gt(hypotheses.id, page.cursor) : undefined,
      ];
      return viewQuery()
        .where(and(...where))
        .orderBy(asc(hypotheses.id))
        .limit(page.limit + 1)
        .all() as HypothesisView[];
    },

    insert: (row: HypothesisRow) => void db.insert(hypotheses).values(row).run(),
    update: (id: string, patch: Partial<HypothesisRow>) => void db.update(hypotheses).set(patch).where(eq(hypotheses.id, id)).run(),
  };
});
