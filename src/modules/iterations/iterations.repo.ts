import { and, asc, desc, eq, getTableColumns, gt, inArray, lt, sql, type SQL } from 'drizzle-orm';
import { checkIns, initiatives, iterations } from '../../db/schema';
import type { Db } from '../../db/client';
import { perDb } from '../../lib/per-db';

export type IterationRow = typeof iterations.$inferSelect;
type Health = 'on_track' | 'at_risk' | 'off_track';

/** An iteration with what its representation derives from other rows. */
export interface IterationView extends IterationRow {
  initiativeKey: string;
  basedOnNumber: number | null;
  /** The latest check-in's health (the lastHealth rollup). */
  health: Health | null;
}

const basedOnNumber = sql<number | null>`(SELECT b.number FROM iterations b WHERE b.id = ${iterations.basedOnId})`;

export const iterationsRepo = perDb((db: Db) => {
  const viewQuery = () =>
    db
      .select({ ...getTableColumns(iterations), initiativeKey: initiatives.key, basedOnNumber, health: iterations.lastHealth })
      .from(iterations)
      .innerJoin(initiatives, eq(initiatives.id, iterations.initiativeId));

  const viewById = viewQuery().where(eq(iterations.id, sql.placeholder('id'))).prepare();
  const viewByNumber = viewQuery()
    .where(and(eq(iterations.initiativeId, sql.placeholder('initiativeId')), eq(iterations.number, sql.placeholder('number'))))
    .prepare();
  const currentOne = viewQuery()
    .where(eq(iterations.id, sql`(SELECT current_iteration_id FROM initiatives WHERE id = ${sql.placeholder('initiativeId')})`))
    .prepare();
  const latest = db
    .select()
    .from(iterations)
    .where(eq(iterations.initiativeId, sql.placeholder('initiativeId')))
    .orderBy(desc(iterations.number))
    .limit(1)
    .prepare();
  const active = db
    .select()
    .from(iterations)
    .where(and(eq(iterations.initiativeId, sql.placeholder('initiativeId')), inArray(iterations.status, ['under_construction', 'in_review'])))
    .prepare();
  const checkInSummary = db
    .select({ count: sql<number>`count(${checkIns.id})`, lastHealth: iterations.lastHealth })
    .from(iterations)
    .leftJoin(checkIns, eq(checkIns.iterationId, iterations.id))
    .where(eq(iterations.id, sql.placeholder('id')))
    .prepare();

  return {
    findView: (id: string): IterationView | undefined => viewById.get({ id }),
    findByNumber: (initiativeId: string, number: number): IterationView | undefined => viewByNumber.get({ initiativeId, number }),
    latestOf: (initiativeId: string): IterationRow | undefined => latest.get({ initiativeId }),
    activeOf: (initiativeId: string): IterationRow | undefined => active.get({ initiativeId }),
    checkInSummary: (id: string): { count: number; lastHealth: Health | null } =>
      checkInSummary.get({ id }) ?? { count: 0, lastHealth: null },

    insert: (row: IterationRow) => void db.insert(iterations).values(row).run(),
    update: (id: string, patch: Partial<IterationRow>) => void db.update(iterations).set(patch).where(eq(iterations.id, id)).run(),

    list(
      initiativeId: string,
      f: { status?: IterationRow['status']; order: 'asc' | 'desc' },
      page: { limit: number; cursor?: number },
    ): IterationView[] {
      const where: (SQL | undefined)[] = [
        eq(iterations.initiativeId, initiativeId),
        f.status ? eq(iterations.status, f.status) : undefined,
        page.cursor === undefined ? undefined : f.order === 'desc' ? lt(iterations.number, page.cursor) : gt(iterations.number, page.cursor),
      ];
      return viewQuery()
        .where(and(...where))
        .orderBy(f.order === 'desc' ? desc(iterations.number) : asc(iterations.number))
        .limit(page.limit + 1)
        .all();
    },

    /** The current iteration of one initiative, read afresh inside a write's transaction. */
    currentOne: (initiativeId: string): IterationView | undefined => currentOne.get({ initiativeId }),
  };
});
