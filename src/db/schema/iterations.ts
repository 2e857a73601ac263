import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex, type AnySQLiteColumn } from 'drizzle-orm/sqlite-core';
import { versioned } from './columns';
import { initiatives } from './initiatives';

export const ITERATION_STATUSES = ['planned', 'under_construction', 'in_review', 'closed', 'abandoned'] as const;
export const DECISIONS = ['persevere', 'pivot', 'adopt', 'stop'] as const;

export const iterations = sqliteTable(
  'iterations',
  {
    id: text('id').primaryKey(),
    initiativeId: text('initiative_id')
      .notNull()
      .references(() => initiatives.id, { onDelete: 'restrict' }),
    number: integer('number').notNull(),
    title: text('title').notNull(),
    goal: text('goal').notNull().default(''),
    plannedStart: text('planned_start'),
    plannedEnd: text('planned_end'),
    status: text('status', { enum: ITERATION_STATUSES }).notNull(),
    startedAt: text('started_at'),
    reviewStartedAt: text('review_started_at'),
    closedAt: text('closed_at'),
    abandonedAt: text('abandoned_at'),
    decision: text('decision', { enum: DECISIONS }),
    outcome: text('outcome'),
    /** When open items were copied in from the version this one is based on; copied once at most. */
    carriedOverAt: text('carried_over_at'),
    basedOnId: text('based_on_id').references((): AnySQLiteColumn => iterations.id, { onDelete: 'restrict' }),
    /** Rollups of the check-ins, kept by a trigger (migration 0001): the latest one's time and health. */
    lastCheckInAt: text('last_check_in_at'),
    lastHealth: text('last_health', { enum: ['on_track', 'at_risk', 'off_track'] }),
    ...versioned(),
  },
  (t) => [
    uniqueIndex('iterations_initiative_number_unique').on(t.initiativeId, t.number),
    // The database itself enforces "at most one active iteration per initiative".
    uniqueIndex('iterations_one_active_per_initiative')
      .on(t.initiativeId)
      .where(sql`status IN ('under_construction', 'in_review')`),
  ],
);

export const checkIns = sqliteTable(
  'check_ins',
  {
    id: text('id').primaryKey(),
    iterationId: text('iteration_id')
      .notNull()
      .references(() => iterations.id, { onDelete: 'restrict' }),
    health: text('health', { enum: ['on_track', 'at_risk', 'off_track'] }).notNull(),
    note: text('note').notNull().default(''),
    authorKeyId: text('author_key_id').notNull(),
    authorName: text('author_name').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [index('check_ins_iteration_created_idx').on(t.iterationId, t.createdAt)],
);
