import { eq } from 'drizzle-orm';
import { initiatives } from '../../db/schema';
import type { Db } from '../../db/client';
import { isIdShaped } from '../../lib/ids';
import { perDb } from '../../lib/per-db';
import type { IterationView } from '../iterations/iterations.repo';
import { CURRENT_ITERATION_JOIN, ITEM_JSON, listStatementSql, listParams, READ_COLUMNS, type InitiativeFilters } from './initiatives.sql';

export type { InitiativeFilters } from './initiatives.sql';
export type InitiativeRow = typeof initiatives.$inferSelect;

/** An initiative with the keys of what it refers to. */
export interface InitiativeView extends InitiativeRow {
  teamKey: string;
  themeKey: string | null;
}

/** What an initiative shows of its current iteration. */
export type CurrentIterationView = Pick<
  IterationView,
  'id' | 'number' | 'status' | 'plannedStart' | 'plannedEnd' | 'startedAt' | 'health' | 'lastCheckInAt'
>;

/** An initiative as read: with its current iteration, fetched by the same statement. */
export interface InitiativeRead extends InitiativeView {
  current: CurrentIterationView | null;
}

/** An initiative as rendered by SQLite (ITEM_JSON), with what its ETag and cursor need. */
export interface RenderedInitiative {
  id: string;
  version: number;
  json: string;
}

/** A row of READ_COLUMNS, as better-sqlite3 returns it. */
interface ReadRecord {
  id: string;
  key: string;
  title: string;
  summary: string;
  team_id: string;
  team_key: string;
  owner: string | null;
  theme_id: string | null;
  theme_key: string | null;
  horizon: InitiativeRow['horizon'];
  status: InitiativeRow['status'];
  tags: string;
  attributes: string;
  archived_at: string | null;
  version: number;
  created_at: string;
  updated_at: string;
  c_id: string | null;
  c_number: number;
  c_status: IterationView['status'];
  c_planned_start: string | null;
  c_planned_end: string | null;
  c_started_at: string | null;
  c_health: IterationView['health'];
  c_last_check_in_at: string | null;
}

/** One plain mapping per row: the hot reads skip the query builder's generic row mapping. */
function toRead(r: ReadRecord): InitiativeRead {
  return {
    id: r.id,
    key: r.key,
    title: r.title,
    summary: r.summary,
    teamId: r.team_id,
    teamKey: r.team_key,
    owner: r.owner,
    themeId: r.theme_id,
    themeKey: r.theme_key,
    horizon: r.horizon,
    status: r.status,
    tags: JSON.parse(r.tags) as string[],
    attributes: JSON.parse(r.attributes) as InitiativeRow['attributes'],
    archivedAt: r.archived_at,
    currentIterationId: r.c_id,
    version: r.version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    current:
      r.c_id === null
        ? null
        : {
            id: r.c_id,
            number: r.c_number,
            status: r.c_status,
            plannedStart: r.c_planned_start,
            plannedEnd: r.c_planned_end,
            startedAt: r.c_started_at,
            health: r.c_health,
            lastCheckInAt: r.c_last_check_in_at,
          },
  };
}

export const initiativesRepo = perDb((db: Db) => {
  const sqlite = db.$client;
  const read = (where: string) => sqlite.prepare<[string], ReadRecord>(`SELECT ${READ_COLUMNS} ${CURRENT_ITERATION_JOIN} WHERE ${where}`);
  const readById = read('i.id = ?');
  const readByKey = read('i.key = ?');
  const render = (where: string) =>
    sqlite.prepare<[{ ref: string; stale_before: string }], RenderedInitiative>(
      `SELECT i.id, i.version, ${ITEM_JSON} AS json ${CURRENT_ITERATION_JOIN} WHERE ${where}`,
    );
  const renderById = render('i.id = @ref');
  const renderByKey = render('i.key = @ref');
  const keyExists = sqlite.prepare<[string], { one: number }>('SELECT 1 AS one FROM initiatives WHERE key = ?');
  const listStatements = new Map<string, ReturnType<typeof sqlite.prepare<[Record<string, unknown>], { id: string; json: string }>>>();

  return {
    /** By id or by key (keys never look like ids), with its current iteration: one statement. */
    read(ref: string): InitiativeRead | undefined {
      const r = (isIdShaped(ref) ? readById : readByKey).get(ref);
      return r && toRead(r);
    },
    /** The hot read: by id or key, rendered as its JSON by one statement. */
    render(ref: string, staleBefore: string): RenderedInitiative | undefined {
      return (isIdShaped(ref) ? renderById : renderByKey).get({ ref, stale_before: staleBefore });
    },
    keyExists: (key: string): boolean => keyExists.get(key) !== undefined,
    insert: (row: InitiativeRow) => void db.insert(initiatives).values(row).run(),
    update: (id: string, patch: Partial<InitiativeRow>) => void db.update(initiatives).set(patch).where(eq(initiatives.id, id)).run(),

    /**
     * A page ordered by id, each item rendered as its JSON, in one statement. The statement for a
     * combination of filters is prepared the first time it is asked for, so dashboards polling the
     * same query never rebuild it.
     */
    list(f: InitiativeFilters, page: { limit: number; cursor?: string }, staleBefore: string): Array<{ id: string; json: string }> {
      const { filters, bound } = listParams(f, page, staleBefore);
      const shape = filters.join(',');
      let statement = listStatements.get(shape);
      if (!statement) {
        statement = sqlite.prepare<[Record<string, unknown>], { id: string; json: string }>(listStatementSql(filters));
        listStatements.set(shape, statement);
      }
      return statement.all(bound);
    },
  };
});
