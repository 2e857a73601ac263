import { index, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { versioned } from './columns';
import { teams } from './teams';
import { themes } from './themes';

export const initiatives = sqliteTable(
  'initiatives',
  {
    id: text('id').primaryKey(),
    key: text('key').notNull(),
    title: text('title').notNull(),
    summary: text('summary').notNull().default(''),
    teamId: text('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'restrict' }),
    owner: text('owner'),
    themeId: text('theme_id').references(() => themes.id, { onDelete: 'restrict' }),
    horizon: text('horizon', { enum: ['now', 'next', 'later'] }).notNull(),
    status: text('status', { enum: ['active', 'adopted', 'stopped'] }).notNull(),
    /** JSON array of strings. */
    tags: text('tags', { mode: 'json' }).$type<string[]>().notNull(),
    /** JSON object of scalar values. */
    attributes: text('attributes', { mode: 'json' }).$type<Record<string, string | number | boolean | null>>().notNull(),
    archivedAt: text('archived_at'),
    /**
     * Rollup kept by a trigger (migration 0001): the active iteration, otherwise the highest
     * number. Derived data: changing it is no change to the initiative's own version.
     */
    currentIterationId: text('current_iteration_id'),
    ...versioned(),
  },
  (t) => [
    uniqueIndex('initiatives_key_unique').on(t.key),
    index('initiatives_team_idx').on(t.teamId),
    index('initiatives_theme_idx').on(t.themeId),
    index('initiatives_updated_idx').on(t.updatedAt),
  ],
);
