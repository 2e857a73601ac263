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

const P = sql.placeholder;

/**
 * Each list filter as SQL over a named placeholder. A list request uses the statement for its
 * combination of filters, prepared the first time that combination is asked for, so dashboards
 * polling the same query never rebuild it.
 */
const FILTERS = {
  teamId: () => eq(initiatives.teamId, P('teamId')),
  themeId: () => eq(initiatives.themeId, P('themeId')),
  status: () => eq(initiatives.status, P('status')),
  horizon: () => eq(initiatives.horizon, P('horizon')),
  tag: () => sql`EXISTS (SELECT 1 FROM json_each(${initiatives.tags}) WHERE value = ${P('tag')})`,
  updatedSince: () => gte(initiatives.updatedAt, P('updatedSince')),
  // Case-insensitive substring match on key or title; the pattern escapes % and _.
  q: () => or(sql`${initiatives.key} LIKE ${P('q')} ESCAPE '\\'`, sql`${initiatives.title} LIKE ${P('q')} ESCAPE '\\'`),
  iterationStatus: () =>
    sql`(SELECT s.status FROM ${iterations} s WHERE s.id = ${currentIterationId(initiatives.id)}) = ${P('iterationStatus')}`,
  noIteration: () => sql`${currentIterationId(initiatives.id)} IS NULL`,
  archivedOnly: () => isNotNull(initiatives.archivedAt),
  liveOnly: () => isNull(initiatives.archivedAt),
  cursor: () => gt(initiatives.id, P('cursor')),
} satisfies Record<string, () => SQL | undefined>;

type Filter = keyof typeof FILTERS;

const likePattern = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The bound values of a list request, and the filters (some take no value) it applies. */
function listParams(f: InitiativeFilters, page: { limit: number; cursor?: string }) {
  const values: Partial<Record<Filter, string>> = {
    teamId: f.teamId,
    themeId: f.themeId,
    status: f.status,
    horizon: f.horizon,
    tag: f.tag,
    updatedSince: f.updatedSince,
    q: f.q === undefined ? undefined : likePattern(f.q),
    iterationStatus: f.iterationStatus === 'none' ? undefined : f.iterationStatus,
    cursor: page.cursor,
  };
  const bound = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
  const filters = Object.keys(bound) as Filter[];
  if (f.iterationStatus === 'none') filters.push('noIteration');
  if (f.archived !== 'all') filters.push(f.archived === 'true' ? 'archivedOnly' : 'liveOnly');
  return { filters, bound: { ...bound, limit: page.limit + 1 } };
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
  const listStatements = new Map<string, ReturnType<ReturnType<typeof base>['prepare']>>();
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
      const { filters, bound } = listParams(f, page);
      const shape = filters.join(',');
      let statement = listStatements.get(shape);
      if (!statement) {
        statement = base()
          .where(and(...filters.map((name) => FILTERS[name]())))
          .orderBy(asc(initiatives.id))
          .limit(P('limit'))
          .prepare();
        listStatements.set(shape, statement);
      }
      return statement.all(bound).map(flatten);
    },
  };
});
