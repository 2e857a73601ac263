import type { Ctx } from '../../lib/context';
import { resolveInitiative } from '../initiatives/initiatives.service';
import { resolveMetric } from '../metrics/metrics.service';
import { teamsService } from '../teams/teams.module';
import { themesService } from '../themes/themes.module';
import type { ExportFilters } from './exports.schemas';

/** What an export reads: its filters, resolved to ids. */
export interface ExportScope {
  teamId?: string;
  themeId?: string;
  initiativeId?: string;
  /** Sorted, so that two spellings of one query share a cache entry and an ETag. */
  metricIds?: string[];
  from?: string;
  to?: string;
}

/** Keys or ids to ids; an unknown team, theme, initiative or metric is a 404, like the list routes. */
export function resolveExportScope(ctx: Pick<Ctx, 'db'>, q: ExportFilters): ExportScope {
  return {
    teamId: q.team === undefined ? undefined : teamsService.resolve(ctx, q.team).id,
    themeId: q.theme === undefined ? undefined : themesService.resolve(ctx, q.theme).id,
    initiativeId: q.initiative === undefined ? undefined : resolveInitiative(ctx, q.initiative).id,
    metricIds: q.metric?.map((key) => resolveMetric(ctx, key).id).sort(),
    from: q.from,
    to: q.to,
  };
}
