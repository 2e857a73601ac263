import { jsonSelect } from '../../http/json-select';
import { InitiativeSchema } from './initiatives.schemas';

/**
 * The SQL of the initiative reads. An initiative is shown with its team and theme keys and its
 * current iteration with that iteration's latest check-in. Both are rollups kept by triggers in the
 * writes' transactions (migration 0001), so a read or a page is index lookups and joins only,
 * whatever the history.
 */

/**
 * An initiative rendered by SQLite as the JSON of InitiativeSchema, current iteration included.
 * `stale` compares against the bound @stale_before exactly as isStale compares with staleCutoff:
 * timestamps are fixed-width RFC 3339 UTC, so text order is time order.
 */
export const ITEM_JSON = jsonSelect(InitiativeSchema, {
  id: 'i.id',
  key: 'i.key',
  title: 'i.title',
  summary: 'i.summary',
  team: { object: { id: 'i.team_id', key: 't.key' } },
  owner: 'i.owner',
  theme: { object: { id: 'th.id', key: 'th.key' }, nullWhen: 'th.id IS NULL' },
  horizon: 'i.horizon',
  status: 'i.status',
  tags: { json: 'i.tags' },
  attributes: { json: 'i.attributes' },
  archived_at: 'i.archived_at',
  current_iteration: {
    object: {
      id: 'c.id',
      number: 'c.number',
      status: 'c.status',
      health: 'c.last_health',
      // isStale, in SQL: the bound cutoff is staleCutoff(now, interval).
      stale: "c.status IN ('under_construction', 'in_review') AND coalesce(c.last_check_in_at, c.started_at) < @stale_before",
      planned_start: 'c.planned_start',
      planned_end: 'c.planned_end',
    },
    nullWhen: 'c.id IS NULL',
  },
  version: 'i.version',
  created_at: 'i.created_at',
  updated_at: 'i.updated_at',
});

/**
 * When `stale` of a not yet stale current iteration is counted from (null: it cannot turn stale
 * without a write), so that a cached rendering expires when the clock alone would change it.
 */
export const STALE_SINCE = "CASE WHEN c.status IN ('under_construction', 'in_review') THEN coalesce(c.last_check_in_at, c.started_at) END";

export const CURRENT_ITERATION_JOIN = `FROM initiatives i
  JOIN teams t ON t.id = i.team_id
  LEFT JOIN themes th ON th.id = i.theme_id
  LEFT JOIN iterations c ON c.id = i.current_iteration_id`;

export interface InitiativeFilters {
  teamId?: string;
  themeId?: string;
  status?: string;
  horizon?: string;
  tag?: string;
  updatedSince?: string;
  q?: string;
  iterationStatus?: string;
  archived: 'true' | 'false' | 'all';
}

/** Each list filter as SQL over a named parameter (some take none). */
const FILTERS = {
  teamId: 'i.team_id = @teamId',
  themeId: 'i.theme_id = @themeId',
  status: 'i.status = @status',
  horizon: 'i.horizon = @horizon',
  tag: 'EXISTS (SELECT 1 FROM json_each(i.tags) WHERE value = @tag)',
  updatedSince: 'i.updated_at >= @updatedSince',
  // Case-insensitive (ASCII) substring match on key or title; the pattern escapes % and _.
  q: "(i.key LIKE @q ESCAPE '\\' OR i.title LIKE @q ESCAPE '\\')",
  iterationStatus: 'c.status = @iterationStatus',
  noIteration: 'c.id IS NULL',
  archivedOnly: 'i.archived_at IS NOT NULL',
  liveOnly: 'i.archived_at IS NULL',
  cursor: 'i.id > @cursor',
} as const;

type Filter = keyof typeof FILTERS;

const likePattern = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The bound values of a list request, and the filters it applies. */
export function listParams(f: InitiativeFilters, page: { limit: number; cursor?: string }, staleBefore: string) {
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
  const bound: Record<string, unknown> = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
  const filters = Object.keys(bound) as Filter[];
  if (f.iterationStatus === 'none') filters.push('noIteration');
  if (f.archived !== 'all') filters.push(f.archived === 'true' ? 'archivedOnly' : 'liveOnly');
  return { filters, bound: { ...bound, limit: page.limit + 1, stale_before: staleBefore } };
}

export const listStatementSql = (filters: Filter[]): string =>
  `SELECT i.id, ${ITEM_JSON} AS json, ${STALE_SINCE} AS stale_since ${CURRENT_ITERATION_JOIN}
   ${filters.length ? `WHERE ${filters.map((name) => FILTERS[name]).join(' AND ')}` : ''}
   ORDER BY i.id LIMIT @limit`;
