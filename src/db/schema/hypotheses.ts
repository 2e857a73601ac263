import { sql } from 'drizzle-orm';
import { index, integer, real, sqliteTable, text, type AnySQLiteColumn } from 'drizzle-orm/sqlite-core';
import { versioned } from './columns';
import { iterations } from './iterations';
import { metrics } from './metrics';

export const HYPOTHESIS_OPERATORS = ['gte', 'lte', 'gt', 'lt', 'reach_target'] as const;
export const HYPOTHESIS_STATUSES = ['proposed', 'testing', 'validated', 'invalidated', 'inconclusive'] as const;
export const CONFIDENCES = ['low', 'medium', 'high'] as const;

/** A testable belief of one iteration, judged by a criterion on one metric. */
export const hypotheses = sqliteTable(
  'hypotheses',
  {
    id: text('id').primaryKey(),
    iterationId: text('iteration_id')
      .notNull()
      .references(() => iterations.id, { onDelete: 'restrict' }),
    statement: text('statement').notNull(),
    metricId: text('metric_id')
      .notNull()
      .references(() => metrics.id, { onDelete: 'restrict' }),
    operator: text('operator', { enum: HYPOTHESIS_OPERATORS }).notNull(),
    threshold: real('threshold'),
    minMeasurements: integer('min_measurements').notNull().default(1),
    confidence: text('confidence', { enum: CONFIDENCES }),
    evidence: text('evidence').notNull().default(''),
    status: text('status', { enum: HYPOTHESIS_STATUSES }).notNull(),
    /** The suggested result as stored when the iteration went to review (JSON). */
    reviewSuggestion: text('review_suggestion', { mode: 'json' }).$type<Record<string, unknown> | null>(),
    overrideReason: text('override_reason'),
    concludedAt: text('concluded_at'),
    carriedFrom: text('carried_from').references((): AnySQLiteColumn => hypotheses.id, { onDelete: 'restrict' }),
    ...versioned(),
  },
  (t) => [
    index('hypotheses_iteration_idx').on(t.iterationId),
    index('hypotheses_metric_idx').on(t.metricId),
    // GET /v1/learnings: concluded hypotheses newest first, on one metric or across all.
    index('hypotheses_metric_concluded_idx').on(t.metricId, t.concludedAt, t.id).where(sql`concluded_at IS NOT NULL`),
    index('hypotheses_concluded_idx').on(t.concludedAt, t.id).where(sql`concluded_at IS NOT NULL`),
  ],
);
