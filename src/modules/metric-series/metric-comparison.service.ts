import { readCache } from '../../db/read-cache';
import type { Ctx } from '../../lib/context';
import { currentValue, rollupOf } from '../measurements/rollup-value';
import { resolveMetric } from '../metrics/metrics.service';
import { teamsService } from '../teams/teams.module';
import { elapsedShare, healthOf, progressOf } from '../tracked-metrics/tracked-metrics.progress';
import type { ComparisonGroup, ComparisonRow, MetricComparison, MetricComparisonFilters } from './metric-comparison.schemas';
import { metricSeriesRepo, type ComparisonDbRow, type DefinitionRow } from './metric-series.repo';
import { comparisonCsv } from './metric-series.csv';
import { toDefinitionDto } from '../metrics/metrics.service';
import { RenderedRead } from '../../http/rendered-read';
import type { ComparisonFilter } from './metric-series.sql';

/**
 * Health moves with the elapsed share of a running time box, continuously: a cached comparison
 * is re-computed at most this long after the clock last read it.
 */
export const COMPARISON_TTL_MS = 60_000;

/** Improvement over the baseline, signed so that positive is good whichever way the metric is good. */
export function liftOf(direction: DefinitionRow['direction'], current: number | null, baseline: number | null) {
  if (current === null || baseline === null) return { lift: null, relative_lift: null };
  const lift = direction === 'increase' ? current - baseline : baseline - current;
  // Over a baseline a hair's breadth from 0 the ratio may be too large for a double: none, as over 0.
  const relative = lift / Math.abs(baseline);
  return { lift, relative_lift: Number.isFinite(relative) ? relative : null };
}

function toRow(r: ComparisonDbRow, d: DefinitionRow, rollup: ComparisonDbRow | undefined, now: Date): ComparisonRow {
  const current = currentValue(d.aggregation, rollup ? rollupOf(rollup) : null);
  const progress = progressOf(current, r.baseline, r.target);
  const count = rollup?.count ?? 0;
  return {
    team: { id: r.teamId, key: r.teamKey },
    initiative: { id: r.initiativeId, key: r.initiativeKey, title: r.initiativeTitle, status: r.initiativeStatus },
    iteration: { id: r.iterationId, number: r.number, status: r.iterationStatus },
    tracked_metric_id: r.trackedMetricId,
    baseline: r.baseline,
    current,
    target: r.target,
    ...liftOf(d.direction, current, r.baseline),
    progress,
    health: healthOf(count, progress, elapsedShare(r, now)),
    measurements_count: count,
    last_observed_at: rollup?.latestObservedAt ?? null,
  };
}

/** When the clock alone next changes a health: a box's start, or soon while one is running. */
function expiresAt(rows: ComparisonDbRow[], now: number): number {
  let soonest = Infinity;
  for (const r of rows) {
    const start = r.plannedStart ?? r.startedAt;
    if (start === null || r.plannedEnd === null) continue;
    const from = Date.parse(start);
    const to = Date.parse(r.plannedEnd);
    if (now < from && from < to) soonest = Math.min(soonest, from);
    else if (now < to) soonest = Math.min(soonest, now + COMPARISON_TTL_MS);
  }
  return soonest;
}

/**
 * The groups, current definition first (always), then older ones with rows, newest first. Rows of
 * one tracked metric are adjacent (the statement orders by iteration, then definition version).
 */
function groupByDefinition(rows: ComparisonDbRow[], defs: DefinitionRow[], currentVersion: number, now: Date): ComparisonGroup[] {
  const groups = new Map<number, ComparisonGroup>();
  const definitions = new Map<number, DefinitionRow>();
  for (const d of [...defs].reverse()) {
    definitions.set(d.definitionVersion, d);
    groups.set(d.definitionVersion, { ...toDefinitionDto(currentVersion)(d), rows: [] });
  }
  const current = groups.get(currentVersion)!;
  for (let start = 0; start < rows.length; ) {
    let end = start + 1;
    while (end < rows.length && rows[end]!.trackedMetricId === rows[start]!.trackedMetricId) end++;
    const run = rows.slice(start, end);
    current.rows.push(toRow(run[0]!, definitions.get(currentVersion)!, run.find((r) => r.definitionVersion === currentVersion), now));
    for (const r of run) {
      if (r.definitionVersion === null || r.definitionVersion === currentVersion) continue;
      groups.get(r.definitionVersion)?.rows.push(toRow(r, definitions.get(r.definitionVersion)!, r, now));
    }
    start = end;
  }
  return [current, ...[...groups.values()].filter((g) => g !== current && g.rows.length > 0)];
}

/**
 * Every tracked metric of a metric, side by side. The current definition's group holds them all
 * as their iterations show them (current under the current definition, null without any); an
 * older definition's group holds those with live measurements under it, valued by its own
 * aggregation and direction. Values of different definitions are never combined.
 */
export function getMetricComparison(ctx: Ctx, key: string, q: MetricComparisonFilters): RenderedRead {
  const now = ctx.clock.now();
  // Keyed by the references as sent and resolved inside: a cached answer costs no statement at all.
  const cacheKey = `metric-comparison:${JSON.stringify([key, q.team, q.initiative_status, q.iteration_status, q.current_only])}`;
  return readCache(ctx.db, ctx.config.READ_CACHE_MB).read(cacheKey, now.getTime(), () => {
    const metric = resolveMetric(ctx, key);
    const team = q.team === undefined ? null : teamsService.resolve(ctx, q.team);
    const repo = metricSeriesRepo(ctx.db);
    const filters: ComparisonFilter[] = [];
    const params: Record<string, string> = { metric: metric.id };
    const bind = (filter: ComparisonFilter, value: string | undefined) => {
      if (value === undefined) return;
      filters.push(filter);
      params[filter] = value;
    };
    bind('team', team?.id);
    bind('initiativeStatus', q.initiative_status);
    bind('iterationStatus', q.iteration_status);
    if (q.current_only === 'true') filters.push('currentOnly');
    const rows = repo.comparison(filters, params);

    const value: MetricComparison = {
      metric: { key: metric.key, name: metric.name, definition_version: metric.definitionVersion },
      definition_versions: groupByDefinition(rows, repo.definitions(metric.id), metric.definitionVersion, now),
    };
    const rendered = RenderedRead.of(value, comparisonCsv);
    return { value: rendered, bytes: rendered.bytes, expiresAt: expiresAt(rows, now.getTime()) };
  })!;
}
