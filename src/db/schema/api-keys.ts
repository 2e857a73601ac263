import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { versioned } from './columns';
import { teams } from './teams';

export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    role: text('role', { enum: ['admin', 'editor', 'viewer'] }).notNull(),
    /** SHA-256 of the secret; the secret itself is never stored. */
    secretHash: text('secret_hash').notNull(),
    /** The first characters of the secret, to tell keys apart in lists. */
    secretPrefix: text('secret_prefix').notNull(),
    /** The key configured by ADMIN_API_KEY or generated at first start. */
    bootstrap: integer('bootstrap', { mode: 'boolean' }).notNull().default(false),
    revokedAt: text('revoked_at'),
    ...versioned(),
  },
  (t) => [uniqueIndex('api_keys_secret_hash_unique').on(t.secretHash), index('api_keys_role_idx').on(t.role)],
);

/** The teams an editor key may write. */
export const apiKeyTeams = sqliteTable(
  'api_key_teams',
  {
    apiKeyId: text('api_key_id')
      .notNull()
      .references(() => apiKeys.id, { onDelete: 'cascade' }),
    teamId: text('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'restrict' }),
  },
  (t) => [primaryKey({ columns: [t.apiKeyId, t.teamId] }), index('api_key_teams_team_idx').on(t.teamId)],
);
