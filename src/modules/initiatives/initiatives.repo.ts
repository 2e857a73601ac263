import { and, asc, eq, gt, gte, isNotNull, isNull, or, sql, type SQL } from 'drizzle-orm';
import { initiatives, iterations, teams, themes } from '../../db/schema';
import type { Db } from '../../db/client';
import { perDb } from '../../lib/per-db';
import { currentIterationId } from '../iterations/iterations.repo';

export type InitiativeRow = typeof initiatives.$inferSelect;

/** An initiative with the keys of what it refers to. */
export interface InitiativeView extends InitiativeRow {
  teamKey: string;
  themeKey: string | null;
}

export interface InitiativeFilters {
  teamId?: string;
  themeId?: string;
  status?: InitiativeRow['status'];
  horizon?: InitiativeRow['horizon'];
  tag?: string;
  updatedSince?: string;
  q?: string;
  iterationStatus?: string;
  archived: 'true' | 'false' | 'all';
}

/** Case-insensitive substring match on key or title; % and _ in the query are literal. */
function textMatch(q: string): SQL | undefined {
  const pattern = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return or(sql`${initiatives.key} LIKE ${pattern} ESCAPE '\\'`, sql`${initiatives.title} LIKE ${pattern} ESCAPE '\\'`);
}

export const initiativesRepo = perDb((db: Db) => {
  const base = () =>
    db
      .select({ row: initiatives, teamKey: teams.key, themeKey: themes.key })
      .from(initiatives)
      .innerJoin(teams, eq(teams.id, initiatives.teamId))
      .leftJoin(themes, eq(themes.id, initiatives.themeId));
  const flatten = (r: { row: InitiativeRow; teamKey: string; themeKey: string | null }): InitiativeView => ({
    ...r.row,
    teamKey: r.teamKey,
    themeKey: r.themeKey,
  });

  const byId = base().where(eq(initiatives.id, sql.placeholder('ref'))).prepare();
  const byKey = base().where(eq(initiatives.key, sql.placeholder('ref'))).prepare();

  return {
    /** By id, then by key (keys never look like ids). */
    find(ref: string): InitiativeView | undefined {
      const r = byId.get({ ref }) ?? byKey.get({ ref });
      return r && flatten(r);
    },
    keyExists: (key: string): boolean => byKey.get({ ref: key }) !== undefined,
    insert: (row: InitiativeRow) => void db.insert(initiatives).values(row).run(),
    update: (id: string, patch: Partial<InitiativeRow>) => void db.update(initiatives).set(patch).where(eq(initiatives.id, id)).run(),

    list(f: InitiativeFilters, page: { limit: number; cursor?: string }): InitiativeView[] {
      const current = currentIterationId(initiatives.id);
      const where: (SQL | undefined)[] = [
        f.teamId ? eq(initiatives.teamId, f.teamId) : undefined,
        f.themeId ? eq(initiatives.themeId, f.themeId) : undefined,
        f.status ? eq(initiatives.status, f.status) : undefined,
        f.horizon ? eq(initiatives.horizon, f.horizon) : undefined,
        f.tag ? sql`EXISTS (SELECT 1 FROM json_each(${initiatives.tags}) WHERE value = ${f.tag})` : undefined,
        f.updatedSince ? gte(initiatives.updatedAt, f.updatedSince) : undefined,
        f.q ? textMatch(f.q) : undefined,
        f.iterationStatus === 'none'
          ? sql`${current} IS NULL`
          : f.iterationStatus
            ? sql`(SELECT s.status FROM ${iterations} s WHERE s.id = ${current}) = ${f.iterationStatus}`
            : undefined,
        f.archived === 'all' ? undefined : f.archived === 'true' ? isNotNull(initiatives.archivedAt) : isNull(initiatives.archivedAt),
        page.cursor ? gt(initiatives.id, page.cursor) : undefined,
      ];
      return base()
        .where(and(...where))
        .orderBy(asc(initiatives.id))
        .limit(page.limit + 1)
        .all()
        .map(flatten);
    },
  };
});
