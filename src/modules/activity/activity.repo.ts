import { and, desc, eq, gte, lt, lte, notInArray, sql, type SQL } from 'drizzle-orm';
import { activity } from '../../db/schema';
import type { Db } from '../../db/client';
import { perDb } from '../../lib/per-db';

export type ActivityRow = typeof activity.$inferSelect;

export interface ActivityFilters {
  entityType?: string;
  entityId?: string;
  actor?: string;
  action?: string;
  since?: string;
  until?: string;
  /** Entity types the caller may not see. */
  hidden?: string[];
}

export const activityRepo = perDb((db: Db) => {
  const insert = db
    .insert(activity)
    .values({
      id: sql.placeholder('id'),
      at: sql.placeholder('at'),
      actorKeyId: sql.placeholder('actorKeyId'),
      actorName: sql.placeholder('actorName'),
      action: sql.placeholder('action'),
      entityType: sql.placeholder('entityType'),
      entityId: sql.placeholder('entityId'),
      requestId: sql.placeholder('requestId'),
      before: sql.placeholder('before'),
      after: sql.placeholder('after'),
    })
    .prepare();

  return {
    insert(row: ActivityRow): void {
      insert.run(row);
    },

    /** Newest first. */
    list(f: ActivityFilters, page: { limit: number; cursor?: string }): ActivityRow[] {
      const where: (SQL | undefined)[] = [
        f.entityType ? eq(activity.entityType, f.entityType) : undefined,
        f.hidden?.length ? notInArray(activity.entityType, f.hidden) : undefined,
        f.entityId ? eq(activity.entityId, f.entityId) : undefined,
        f.actor ? eq(activity.actorKeyId, f.actor) : undefined,
        f.action ? eq(activity.action, f.action) : undefined,
        f.since ? gte(activity.at, f.since) : undefined,
        f.until ? lte(activity.at, f.until) : undefined,
        page.cursor ? lt(activity.id, page.cursor) : undefined,
      ];
      return db
        .select()
        .from(activity)
        .where(and(...where))
        .orderBy(desc(activity.id))
        .limit(page.limit + 1)
        .all();
    },
  };
});
