import type { Ctx } from '../../lib/context';
import { teamsService } from '../teams/teams.module';
import { themesService } from '../themes/themes.module';
import type { DashboardFilterQuery } from './dashboard.schemas';

/** The dashboard filters resolved to what the statements compare: ids, the horizon, the archive state. */
export interface DashboardFilters {
  teamId?: string;
  themeId?: string;
  horizon?: string;
  archived: 'true' | 'false' | 'all';
}

/** Each filter as a condition on the initiatives `i`; the archive state always applies one unless `all`. */
const CONDITIONS = {
  teamId: 'i.team_id = @teamId',
  themeId: 'i.theme_id = @themeId',
  horizon: 'i.horizon = @horizon',
  archivedOnly: 'i.archived_at IS NOT NULL',
  liveOnly: 'i.archived_at IS NULL',
} as const;

/**
 * The WHERE clause for a set of filters and the values it binds. Each combination of filters gets
 * its own statement (prepared once, see dashboard.repo.ts), so the planner can use the team or
 * theme index where one is given instead of testing `@x IS NULL OR ...` on every initiative.
 */
export function filterClause(f: DashboardFilters): { where: string; bound: Record<string, string> } {
  const bound: Record<string, string> = {};
  const conditions: string[] = [];
  for (const name of ['teamId', 'themeId', 'horizon'] as const) {
    const value = f[name];
    if (value === undefined) continue;
    bound[name] = value;
    conditions.push(CONDITIONS[name]);
  }
  if (f.archived !== 'all') conditions.push(f.archived === 'true' ? CONDITIONS.archivedOnly : CONDITIONS.liveOnly);
  return { where: conditions.length ? conditions.join(' AND ') : '1', bound };
}

/** Team and theme named by id or key, as the initiatives list takes them: an unknown one is a 404 naming it. */
export function resolveFilters(ctx: Ctx, q: DashboardFilterQuery): DashboardFilters {
  return {
    teamId: q.team === undefined ? undefined : teamsService.resolve(ctx, q.team).id,
    themeId: q.theme === undefined ? undefined : themesService.resolve(ctx, q.theme).id,
    horizon: q.horizon,
    archived: q.archived,
  };
}

/** The cache key part naming a filter set as the caller sent it (resolution happens on a miss). */
export const filterKey = (q: DashboardFilterQuery): string => JSON.stringify([q.team ?? null, q.theme ?? null, q.horizon ?? null, q.archived]);
