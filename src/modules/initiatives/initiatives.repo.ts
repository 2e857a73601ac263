import { eq, sql } from 'drizzle-orm';
import { initiatives, teams, themes } from '../../db/schema';
import type { Db } from '../../db/client';
import { isIdShaped } from '../../lib/ids';
import { perDb } from '../../lib/per-db';
import { CURRENT_ITERATION_JOIN, ITEM_JSON, STALE_SINCE, listStatementSql, listParams, type InitiativeFilters } from './initiatives.sql';

export type { InitiativeFilters } from './initiatives.sql';
export type InitiativeRow = typeof initiatives.$inferSelect;

/** An initiative with the keys of what it refers to. */
export interface InitiativeView extends InitiativeRow {
  teamKey: string;
  themeKey: string | null;
}

/** An initiative as rendered by SQLite (ITEM_JSON), with what its ETag and cursor need. */
export interface RenderedInitiative {
  id: string;
  version: number;
  json: string;
  stale_since: string | null;
}

/** A list row: the rendered item, its id (the cursor) and what its `stale` counts from. */
export type RenderedRow = Omit<RenderedInitiative, 'version'>;

export const initiativesRepo = perDb((db: Db) => {
  const sqlite = db.$client;
  // The view the write paths check and change; reads render JSON instead (below).
  const view = () =>
    db
      .select({ row: initiatives, teamKey: teams.key, themeKey: themes.key })
      .from(initiatives)
      .innerJoin(teams, eq(teams.id, initiatives.teamId))
      .leftJoin(themes, eq(themes.id, initiatives.themeId));
  const byId = view().where(eq(initiatives.id, sql.placeholder('ref'))).prepare();
  const byKey = view().where(eq(initiatives.key, sql.placeholder('ref'))).prepare();
  const render = (where: string) =>
    sqlite.prepare<[{ ref: string; stale_before: string }], RenderedInitiative>(
      `SELECT i.id, i.version, ${ITEM_JSON} AS json, ${STALE_SINCE} AS stale_since ${CURRENT_ITERATION_JOIN} WHERE ${where}`,
    );
  const renderById = render('i.id = @ref');
  const renderByKey = render('i.key = @ref');
  const listStatements = new Map<string, ReturnType<typeof sqlite.prepare<[Record<string, unknown>], RenderedRow>>>();

  return {
    /** By id or by key (keys never look like ids), so one lookup either way. */
    find(ref: string): InitiativeView | undefined {
      const r = (isIdShaped(ref) ? byId : byKey).get({ ref });
      return r && { ...r.row, teamKey: r.teamKey, themeKey: r.themeKey };
    },
    /** The hot read: by id or key, rendered as its JSON by one statement. */
    render(ref: string, staleBefore: string): RenderedInitiative | undefined {
      return (isIdShaped(ref) ? renderById : renderByKey).get({ ref, stale_before: staleBefore });
    },
    keyExists: (key: string): boolean => byKey.get({ ref: key }) !== undefined,
    insert: (row: InitiativeRow) => void db.insert(initiatives).values(row).run(),
    update: (id: string, patch: Partial<InitiativeRow>) => void db.update(initiatives).set(patch).where(eq(initiatives.id, id)).run(),

    /**
     * A page ordered by id, each item rendered as its JSON, in one statement. The statement for a
     * combination of filters is prepared the first time it is asked for, so dashboards polling the
     * same query never rebuild it.
     */
    list(f: InitiativeFilters, page: { limit: number; cursor?: string }, staleBefore: string): RenderedRow[] {
      const { filters, bound } = listParams(f, page, staleBefore);
      const shape = filters.join(',');
      let statement = listStatements.get(shape);
      if (!statement) {
        statement = sqlite.prepare<[Record<string, unknown>], RenderedRow>(listStatementSql(filters));
        listStatements.set(shape, statement);
      }
      return statement.all(bound);
    },
  };
});
