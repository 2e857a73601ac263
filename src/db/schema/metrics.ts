import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { versioned } from './columns';
import { teams } from './teams';

export const UNITS = ['count', 'percent', 'currency', 'days', 'ratio', 'number'] as const;
export const DIRECTIONS = ['increase', 'decrease'] as const;
export const AGGREGATIONS = ['latest', 'sum', 'average', 'min', 'max'] as const;
export const METRIC_SCOPES = ['central', 'team'] as const;

/**
 * The metric catalog. `unit`, `currency_code`, `direction` and `aggregation` are the current
 * definition (also kept, per version, in metric_definitions); `definition_version` names it.
 */
export const metrics = sqliteTable(
  'metrics',
  {
    id: text('id').primaryKey(),
    key: text('key').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    unit: text('unit', { enum: UNITS }).notNull(),
    currencyCode: text('currency_code'),
    direction: text('direction', { enum: DIRECTIONS }).notNull(),
    aggregation: text('aggregation', { enum: AGGREGATIONS }).notNull(),
    scope: text('scope', { enum: METRIC_SCOPES }).notNull(),
    /** The owning team of a team metric; null for central ones. */
    teamId: text('team_id').references(() => teams.id, { onDelete: 'restrict' }),
    definitionVersion: integer('definition_version').notNull().default(1),
    ...versioned(),
  },
  (t) => [uniqueIndex('metrics_key_unique').on(t.key), index('metrics_team_idx').on(t.teamId)],
);

/** Every definition a metric has had. Measurements name the one they were logged under. */
export const metricDefinitions = sqliteTable(
  'metric_definitions',
  {
    metricId: text('metric_id')
      .notNull()
      .references(() => metrics.id, { onDelete: 'restrict' }),
    definitionVersion: integer('definition_version').notNull(),
    unit: text('unit', { enum: UNITS }).notNull(),
    currencyCode: text('currency_code'),
    direction: text('direction', { enum: DIRECTIONS }).notNull(),
    aggregation: text('aggregation', { enum: AGGREGATIONS }).notNull(),
    /** When this definition took effect. */
    createdAt: text('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.metricId, t.definitionVersion] })],
);
