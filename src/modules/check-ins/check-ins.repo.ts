import { and, desc, eq, lt, sql } from 'drizzle-orm';
import { checkIns } from '../../db/schema';
import type { Db } from '../../db/client';
import { perDb } from '../../lib/per-db';

export type CheckInRow = typeof checkIns.$inferSelect;

export const checkInsRepo = perDb((db: Db) => {
  const byId = db.select().from(checkIns).where(eq(checkIns.id, sql.placeholder('id'))).prepare();
  const P = sql.placeholder;
  const insert = db
    .insert(checkIns)
    .values({
      id: P('id'),
      iterationId: P('iterationId'),
      health: P('health'),
      note: P('note'),
      authorKeyId: P('authorKeyId'),
      authorName: P('authorName'),
      createdAt: P('createdAt'),
    })
    .prepare();
  return {
    findById: (id: string): CheckInRow | undefined => byId.get({ id }),
    insert: (row: CheckInRow) => void insert.run(row),

    /** Newest first (ids increase with time). */
    list: (iterationId: string, page: { limit: number; cursor?: string }): CheckInRow[] =>
      db
        .select()
        .from(checkIns)
        .where(and(eq(checkIns.iterationId, iterationId), page.cursor ? lt(checkIns.id, page.cursor) : undefined))
        .orderBy(desc(checkIns.id))
        .limit(page.limit + 1)
        .all(),
  };
});
