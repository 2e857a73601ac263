import { index, integer, sqliteTable, text, type AnySQLiteColumn } from 'drizzle-orm/sqlite-core';
import { versioned } from './columns';
import { DECISIONS, iterations } from './iterations';

/** One learning of a retrospective: what was seen, and what it taught. */
export interface Learning {
  observed: string;
  learned: string;
}

/** The learning card of one iteration; at most one per iteration (its id is the iteration's). */
export const retrospectives = sqliteTable('retrospectives', {
  iterationId: text('iteration_id')
    .primaryKey()
    .references(() => iterations.id, { onDelete: 'restrict' }),
  wentWell: text('went_well', { mode: 'json' }).$type<string[]>().notNull(),
  toImprove: text('to_improve', { mode: 'json' }).$type<string[]>().notNull(),
  learnings: text('learnings', { mode: 'json' }).$type<Learning[]>().notNull(),
  decision: text('decision', { enum: DECISIONS }),
  decisionReason: text('decision_reason').notNull().default(''),
  /** The version as it ended (hypotheses and tracked metrics), stored by close and never changed (JSON). */
  snapshot: text('snapshot', { mode: 'json' }).$type<Record<string, unknown> | null>(),
  /** Set by close: from then on the retrospective is read-only. */
  frozenAt: text('frozen_at'),
  ...versioned(),
});

export const ACTION_ITEM_STATUSES = ['open', 'done', 'dropped'] as const;

/** A follow-up of an iteration; open ones are carried into the next version. */
export const actionItems = sqliteTable(
  'action_items',
  {
    id: text('id').primaryKey(),
    iterationId: text('iteration_id')
      .notNull()
      .references(() => iterations.id, { onDelete: 'restrict' }),
    title: text('title').notNull(),
    owner: text('owner'),
    dueOn: text('due_on'),
    status: text('status', { enum: ACTION_ITEM_STATUSES }).notNull(),
    carriedFrom: text('carried_from').references((): AnySQLiteColumn => actionItems.id, { onDelete: 'restrict' }),
    /** How many times this item (through its carried_from chain) was carried into a next version. */
    timesCarried: integer('times_carried').notNull().default(0),
    ...versioned(),
  },
  (t) => [
    index('action_items_iteration_idx').on(t.iterationId),
    index('action_items_status_idx').on(t.status),
    // Finds the copy an item was carried into (carried_to), so lists can show each item once.
    index('action_items_carried_from_idx').on(t.carriedFrom),
  ],
);
