/**
 * The SQL of the initiative reads. An initiative is shown with its team and theme keys and its
 * current iteration with that iteration's latest check-in. Both are rollups kept by triggers in the
 * writes' transactions (migration 0001), so a read or a page is index lookups and joins only,
 * whatever the history.
 */

export const READ_COLUMNS = `i.id, i.key, i.title, i.summary, i.team_id, t.key AS team_key, i.owner, i.theme_id,
  th.key AS theme_key, i.horizon, i.status, i.tags, i.attributes, i.archived_at, i.version, i.created_at, i.updated_at,
  c.id AS c_id, c.number AS c_number, c.status AS c_status, c.planned_start AS c_planned_start,
  c.planned_end AS c_planned_end, c.started_at AS c_started_at, c.last_health AS c_health, c.last_check_in_at AS c_last_check_in_at`;

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
export function listParams(f: InitiativeFilters, page: { limit: number; cursor?: string }) {
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
  return { filters, bound: { ...bound, limit: page.limit + 1 } };
}

export const listStatementSql = (filters: Filter[]): string =>
  `SELECT ${READ_COLUMNS} ${CURRENT_ITERATION_JOIN}
   ${filters.length ? `WHERE ${filters.map((name) => FILTERS[name]).join(' AND ')}` : ''}
   ORDER BY i.id LIMIT @limit`;
