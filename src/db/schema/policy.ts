import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { versioned } from './columns';

/**
 * The organisation's central rules: one row (id 1), its rules as one JSON document validated by
 * the policy module's zod schema, versioned for If-Match.
 */
export const policy = sqliteTable('policy', {
  id: integer('id').primaryKey(),
  rules: text('rules', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  ...versioned(),
});
