import { and, asc, eq, gt, inArray, isNull, isNotNull, sql, type SQL } from 'drizzle-orm';
import { apiKeys, apiKeyTeams, teams } from '../../db/schema';
import type { Db } from '../../db/client';
import { perDb } from '../../lib/per-db';

export type ApiKeyRow = typeof apiKeys.$inferSelect;
interface ActiveKey {
  id: string;
  name: string;
  role: ApiKeyRow['role'];
}
export interface KeyTeam {
  id: string;
  key: string;
}

export const apiKeysRepo = perDb((db: Db) => {
  // Every request's first statement: the key and, for an editor, its teams, in one lookup on the hash index.
  const byHash = db.$client.prepare<[string], ActiveKey & { team_ids: string }>(
    `SELECT k.id, k.name, k.role, (SELECT json_group_array(kt.team_id) FROM api_key_teams kt WHERE kt.api_key_id = k.id) AS team_ids
     FROM api_keys k WHERE k.secret_hash = ? AND k.revoked_at IS NULL`,
  );
  const byId = db.select().from(apiKeys).where(eq(apiKeys.id, sql.placeholder('id'))).prepare();
  const teamsOf = db
    .select({ id: teams.id, key: teams.key })
    .from(apiKeyTeams)
    .innerJoin(teams, eq(teams.id, apiKeyTeams.teamId))
    .where(eq(apiKeyTeams.apiKeyId, sql.placeholder('id')))
    .orderBy(asc(teams.key))
    .prepare();

  return {
    /** The hot path of every request: an active key by the hash of its secret, with the teams it may write. */
    findActiveByHash(hash: string): (ActiveKey & { teamIds: string[] }) | undefined {
      const r = byHash.get(hash);
      return r && { id: r.id, name: r.name, role: r.role, teamIds: JSON.parse(r.team_ids) as string[] };
    },
    findById: (id: string): ApiKeyRow | undefined => byId.get({ id }),
    teamsOf: (id: string): KeyTeam[] => teamsOf.all({ id }),

    teamsOfMany(ids: string[]): Map<string, KeyTeam[]> {
      const out = new Map<string, KeyTeam[]>(ids.map((id) => [id, []]));
      if (ids.length === 0) return out;
      const rows = db
        .select({ keyId: apiKeyTeams.apiKeyId, id: teams.id, key: teams.key })
        .from(apiKeyTeams)
        .innerJoin(teams, eq(teams.id, apiKeyTeams.teamId))
        .where(inArray(apiKeyTeams.apiKeyId, ids))
        .orderBy(asc(teams.key))
        .all();
      for (const r of rows) out.get(r.keyId)?.push({ id: r.id, key: r.key });
      return out;
    },

    insert(row: typeof apiKeys.$inferInsert, teamIds: string[]): void {
      db.insert(apiKeys).values(row).run();
      if (teamIds.length > 0) db.insert(apiKeyTeams).values(teamIds.map((teamId) => ({ apiKeyId: row.id, teamId }))).run();
    },

    update(id: string, patch: Partial<typeof apiKeys.$inferInsert>): void {
      db.update(apiKeys).set(patch).where(eq(apiKeys.id, id)).run();
    },

    countActiveAdmins(): number {
      const row = db
        .select({ n: sql<number>`count(*)` })
        .from(apiKeys)
        .where(and(eq(apiKeys.role, 'admin'), isNull(apiKeys.revokedAt)))
        .get();
      return row?.n ?? 0;
    },

    bootstrapKeys: (): ApiKeyRow[] => db.select().from(apiKeys).where(eq(apiKeys.bootstrap, true)).all(),

    findByHash: (hash: string): ApiKeyRow | undefined => db.select().from(apiKeys).where(eq(apiKeys.secretHash, hash)).get(),

    list(f: { role?: string; revoked?: boolean }, page: { limit: number; cursor?: string }): ApiKeyRow[] {
      const where: (SQL | undefined)[] = [
        f.role ? eq(apiKeys.role, f.role as ApiKeyRow['role']) : undefined,
        f.revoked === undefined ? undefined : f.revoked ? isNotNull(apiKeys.revokedAt) : isNull(apiKeys.revokedAt),
        page.cursor ? gt(apiKeys.id, page.cursor) : undefined,
      ];
      return db
        .select()
        .from(apiKeys)
        .where(and(...where))
        .orderBy(asc(apiKeys.id))
        .limit(page.limit + 1)
        .all();
    },
  };
});
