import { and, asc, desc, eq, getTableColumns, gt, inArray, lt, sql, type SQL } from 'drizzle-orm';
import { checkIns, initiatives, iterations } from '../../db/schema';
import type { Db } from '../../db/client';
import { perDb } from '../../lib/per-db';

export type IterationRow = typeof iterations.$inferSelect;
type Health = 'on_track' | 'at_risk' | 'off_track';

/** What a write under an iteration checks: the iteration's status and its initiative's team and archive state. */
export interface IterationWriteGate {
  id: string;
  number: number;
  status: IterationRow['status'];
  initiativeId: string;
  key: string;
  teamId: string;
  teamKey: string;
  archivedAt: string | null;
}

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

  const writeGate = db.$client.prepare<[string], IterationWriteGate>(
    `SELECT it.id, it.number, it.status, i.id AS initiativeId, i.key, i.team_id AS teamId, t.key AS teamKey, i.archived_at AS archivedAt
     FROM iterations it JOIN initiatives i ON i.id = it.initiative_id JOIN teams t ON t.id = i.team_id WHERE it.id = ?`,
  );

  return {
    /** The single-write path's one read: everything a write under an iteration must check. */
    writeGate: (id: string): IterationWriteGate | undefined => writeGate.get(id),
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
