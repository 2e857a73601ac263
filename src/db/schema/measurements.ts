import { index, integer, primaryKey, real, sqliteTable, text, type AnySQLiteColumn } from 'drizzle-orm/sqlite-core';
import { initiatives } from './initiatives';
import { iterations } from './iterations';
import { metrics } from './metrics';

/**
 * The measurement ledger: append-only. A row is never edited or deleted; a correction voids it or
 * supersedes it, which only sets `voided_at` or `superseded_by`. Live rows (neither set) are the
 * ones every computation counts.
 */
export const measurements = sqliteTable(
  'measurements',
  {
    id: text('id').primaryKey(),
    metricId: text('metric_id')
      .notNull()
      .references(() => metrics.id, { onDelete: 'restrict' }),
    definitionVersion: integer('definition_version').notNull(),
    iterationId: text('iteration_id')
      .notNull()
      .references(() => iterations.id, { onDelete: 'restrict' }),
    /** The iteration's initiative, kept on the row for filters (an iteration never moves). */
    initiativeId: text('initiative_id')
      .notNull()
      .references(() => initiatives.id, { onDelete: 'restrict' }),
    value: real('value').notNull(),
    observedAt: text('observed_at').notNull(),
    recordedAt: text('recorded_at').notNull(),
    /** Logged into an iteration that had already ended. */
    late: integer('late', { mode: 'boolean' }).notNull().default(false),
    source: text('source'),
    note: text('note'),
    supersedes: text('supersedes').references((): AnySQLiteColumn => measurements.id, { onDelete: 'restrict' }),
    supersededBy: text('superseded_by'),
    voidedAt: text('voided_at'),
    voidReason: text('void_reason'),
    recordedByKeyId: text('recorded_by_key_id').notNull(),
    recordedByName: text('recorded_by_name').notNull(),
  },
  (t) => [
    index('measurements_rollup_idx').on(t.iterationId, t.metricId, t.definitionVersion, t.observedAt),
    index('measurements_metric_idx').on(t.metricId, t.id),
    index('measurements_initiative_idx').on(t.initiativeId, t.id),
  ],
);

/**
 * Per (iteration, metric, definition version): the aggregates of the live measurements, kept by
 * triggers in the same transaction as every insert, void and supersede (migration 0002). Every
 * value computed from measurements reads these, never the ledger.
 */
export const measurementRollups = sqliteTable(
  'measurement_rollups',
  {
    iterationId: text('iteration_id').notNull(),
    metricId: text('metric_id').notNull(),
    definitionVersion: integer('definition_version').notNull(),
    count: integer('count').notNull(),
    sum: real('sum').notNull(),
    min: real('min'),
    max: real('max'),
    latestValue: real('latest_value'),
    latestObservedAt: text('latest_observed_at'),
    /** Of two observations at the same instant, the later recorded (higher id) is the latest. */
    latestId: text('latest_id'),
  },
  (t) => [primaryKey({ columns: [t.iterationId, t.metricId, t.definitionVersion] }), index('measurement_rollups_metric_idx').on(t.metricId)],
);

/**
 * Per (metric, definition version, UTC day, iteration): the same aggregates as measurement_rollups,
 * kept by triggers in the same transaction as every write (migration 0005). Series over time read
 * these, so a series costs what its days and iterations cost, not what the ledger holds.
 * The migration makes it WITHOUT ROWID (drizzle has no option for it): a series reads a range of
 * the primary key, and the rows then sit in key order instead of one rowid page lookup per row.
 */
export const measurementDailyRollups = sqliteTable(
  'measurement_daily_rollups',
  {
    metricId: text('metric_id').notNull(),
    definitionVersion: integer('definition_version').notNull(),
    /** `YYYY-MM-DD` of observed_at (UTC). */
    day: text('day').notNull(),
    iterationId: text('iteration_id').notNull(),
    count: integer('count').notNull(),
    sum: real('sum').notNull(),
    min: real('min'),
    max: real('max'),
    latestValue: real('latest_value'),
    latestObservedAt: text('latest_observed_at'),
    latestId: text('latest_id'),
  },
  (t) => [primaryKey({ columns: [t.metricId, t.definitionVersion, t.day, t.iterationId] })],
);

/**
 * Per (metric, definition version, UTC day) across the whole organisation: measurement_daily_rollups
 * summed over iterations, kept by triggers on that table (migration 0007). An unfiltered series
 * reads these, so its cost stops growing once every day has data, however many rows a day holds.
 * WITHOUT ROWID in the migration, like the daily rollups.
 */
export const measurementDayTotals = sqliteTable(
  'measurement_day_totals',
  {
    metricId: text('metric_id').notNull(),
    definitionVersion: integer('definition_version').notNull(),
    day: text('day').notNull(),
    count: integer('count').notNull(),
    sum: real('sum').notNull(),
    min: real('min'),
    max: real('max'),
    latestValue: real('latest_value'),
    latestObservedAt: text('latest_observed_at'),
    latestId: text('latest_id'),
  },
  (t) => [primaryKey({ columns: [t.metricId, t.definitionVersion, t.day] })],
);
