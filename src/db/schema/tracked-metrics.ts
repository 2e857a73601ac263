import { index, real, sqliteTable, text, uniqueIndex, type AnySQLiteColumn } from 'drizzle-orm/sqlite-core';
import { versioned } from './columns';
import { iterations } from './iterations';
import { metrics } from './metrics';

/** A metric an iteration sets out to move, at most once per iteration. */
export const trackedMetrics = sqliteTable(
  'tracked_metrics',
  {
    id: text('id').primaryKey(),
    iterationId: text('iteration_id')
      .notNull()
      .references(() => iterations.id, { onDelete: 'restrict' }),
    metricId: text('metric_id')
      .notNull()
      .references(() => metrics.id, { onDelete: 'restrict' }),
    baseline: real('baseline'),
    target: real('target'),
    carriedFrom: text('carried_from').references((): AnySQLiteColumn => trackedMetrics.id, { onDelete: 'restrict' }),
    ...versioned(),
  },
  (t) => [
    uniqueIndex('tracked_metrics_iteration_metric_unique').on(t.iterationId, t.metricId),
    // GET /v1/metrics/{key}/comparison: every tracked use of one metric.
    index('tracked_metrics_metric_idx').on(t.metricId),
  ],
);
