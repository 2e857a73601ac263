import { index, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Append-only log of every change. Never updated, never deleted. */
export const activity = sqliteTable(
  'activity',
  {
    id: text('id').primaryKey(),
    at: text('at').notNull(),
    actorKeyId: text('actor_key_id').notNull(),
    actorName: text('actor_name').notNull(),
    action: text('action').notNull(),
    entityType: text('entity_type').notNull(),
    entityId: text('entity_id').notNull(),
    requestId: text('request_id'),
    before: text('before', { mode: 'json' }).$type<Record<string, unknown> | null>(),
    after: text('after', { mode: 'json' }).$type<Record<string, unknown> | null>(),
  },
  (t) => [
    index('activity_entity_idx').on(t.entityType, t.entityId),
    index('activity_actor_idx').on(t.actorKeyId),
    index('activity_action_idx').on(t.action),
    index('activity_at_idx').on(t.at),
  ],
);
