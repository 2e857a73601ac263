import { sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { versioned } from './columns';

/** Key, name and description: the columns of every central, admin-managed named entry. */
export const namedColumns = () => ({
  id: text('id').primaryKey(),
  key: text('key').notNull(),
  name: text('name').notNull(),
  description: text('description').notNull().default(''),
  ...versioned(),
});

export const teams = sqliteTable('teams', namedColumns(), (t) => [uniqueIndex('teams_key_unique').on(t.key)]);
