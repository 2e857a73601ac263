import { asc, eq, gt, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import type { teams } from '../../db/schema';
import { perDb } from '../../lib/per-db';

/** Teams and themes share one shape: central, admin-managed entries named by a unique key. */
export type NamedTable = typeof teams;
export type NamedRow = NamedTable['$inferSelect'];

export function namedRepo(table: NamedTable) {
  return perDb((db: Db) => {
    const byId = db.select().from(table).where(eq(table.id, sql.placeholder('ref'))).prepare();
    const byKey = db.select().from(table).where(eq(table.key, sql.placeholder('ref'))).prepare();
    return {
      /** By id first, then by key: keys can never look like ids, so the two cannot collide. */
      find: (ref: string): NamedRow | undefined => byId.get({ ref }) ?? byKey.get({ ref }),
      findByKey: (key: string): NamedRow | undefined => byKey.get({ ref: key }),
      insert: (row: NamedRow) => void db.insert(table).values(row).run(),
      update: (id: string, patch: Partial<NamedRow>) => void db.update(table).set(patch).where(eq(table.id, id)).run(),
      delete: (id: string) => void db.delete(table).where(eq(table.id, id)).run(),
      list: (page: { limit: number; cursor?: string }): NamedRow[] =>
        db
          .select()
          .from(table)
          .where(page.cursor ? gt(table.id, page.cursor) : undefined)
          .orderBy(asc(table.id))
          .limit(page.limit + 1)
          .all(),
    };
  });
}
