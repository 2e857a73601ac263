import { readCache } from '../../db/read-cache';
import type { Ctx } from '../../lib/context';
import { resolveInitiative } from '../initiatives/initiatives.service';
import { currentValue } from '../measurements/rollup-value';
import { resolveMetric, toDefinitionDto } from '../metrics/metrics.service';
import { teamsService } from '../teams/teams.module';
import { fromDay, NO_LOWER_DAY, NO_UPPER_DAY, toDay } from './day-bounds';
import { metricSeriesRepo } from './metric-series.repo';
import type { MetricSeries, MetricSeriesFilters } from './metric-series.schemas';
import type { SeriesFilter } from './metric-series.sql';
import { seriesCsv } from './metric-series.csv';
import { RenderedRead } from '../../http/rendered-read';


/**
 * A metric over time: per definition version, one point per bucket holding live measurements,
 * each the version's aggregation over the bucket's daily rollups. Depends on the data alone (not
 * on the clock), so it is cached, rendered as JSON and CSV, until the next write.
 */
export function getMetricSeries(ctx: Ctx, key: string, q: MetricSeriesFilters): RenderedRead {
  const from = fromDay(q.from);
  const to = toDay(q.to);
  // Keyed by the references as sent and resolved inside: a cached answer costs no statement at all.
  const cacheKey = `metric-series:${JSON.stringify([key, q.interval, q.team, q.initiative, from, to])}`;
  return readCache(ctx.db, ctx.config.READ_CACHE_MB).read(cacheKey, ctx.clock.now().getTime(), () => {
    const metric = resolveMetric(ctx, key);
    const team = q.team === undefined ? null : teamsService.resolve(ctx, q.team);
    const initiative = q.initiative === undefined ? null : resolveInitiative(ctx, q.initiative);
    const repo = metricSeriesRepo(ctx.db);
    const filters: SeriesFilter[] = [];
    const params: Record<string, string> = { metric: metric.id, from_day: from, to_day: to };
    if (initiative) {
      filters.push('initiative');
      params.initiative = initiative.id;
    }
    if (team) {
      filters.push('team');
      params.team = team.id;
    }
    const buckets = repo.buckets(q.interval, filters, params);
    const value: MetricSeries = {
      metric: { key: metric.key, name: metric.name, definition_version: metric.definitionVersion },
      interval: q.interval,
      from: from === NO_LOWER_DAY ? null : from,
      to: to === NO_UPPER_DAY ? null : to,
      team: team && { id: team.id, key: team.key },
      initiative: initiative && { id: initiative.id, key: initiative.key },
      series: repo.definitions(metric.id).map((d) => ({
        ...toDefinitionDto(metric.definitionVersion)(d),
        points: buckets
          .filter((b) => b.definitionVersion === d.definitionVersion)
          .map((b) => ({ bucket: b.bucket, value: currentValue(d.aggregation, b)!, count: b.count })),
      })),
    };
    const rendered = RenderedRead.of(value, seriesCsv);
    return { value: rendered, bytes: rendered.bytes };
  })!;
}
