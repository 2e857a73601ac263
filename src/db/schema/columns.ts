import { integer, text } from 'drizzle-orm/sqlite-core';

/** Columns every mutable entity carries: optimistic-concurrency version and RFC 3339 UTC timestamps. */
export const versioned = () => ({
  version: integer('version').notNull().default(1),
  createdAt: text('created_at').notNull(),
  updatedAt: text('updated_at').notNull(),
});
