import { toCsv } from '../../http/tabular';
import type { MetricComparison } from './metric-comparison.schemas';
import type { MetricSeries } from './metric-series.schemas';

/** The CSV forms: tidy tables, one row per observation, stable snake_case columns. */

export const SERIES_COLUMNS = [
  'metric',
  'definition_version',
  'interval',
  'bucket',
  'value',
  'count',
  'unit',
  'currency_code',
  'direction',
  'aggregation',
] as const;

/** One row per (definition version, bucket). */
export const seriesCsv = (body: MetricSeries): string =>
  toCsv(
    SERIES_COLUMNS,
    body.series.flatMap((s) =>
      s.points.map((p) => ({
        metric: body.metric.key,
        definition_version: s.definition_version,
        interval: body.interval,
        bucket: p.bucket,
        value: p.value,
        count: p.count,
        unit: s.unit,
        currency_code: s.currency_code,
        direction: s.direction,
        aggregation: s.aggregation,
      })),
    ),
  );

export const COMPARISON_COLUMNS = [
  'metric',
  'definition_version',
  'current_definition',
  'unit',
  'direction',
  'aggregation',
  'team',
  'initiative',
  'initiative_title',
  'initiative_status',
  'iteration_id',
  'version_number',
  'iteration_status',
  'tracked_metric_id',
  'baseline',
  'current',
  'target',
  'lift',
  'relative_lift',
  'progress',
  'health',
  'measurements_count',
  'last_observed_at',
] as const;

/** One row per (definition version, tracked metric), in the order of the JSON form. */
export const comparisonCsv = (body: MetricComparison): string =>
  toCsv(
    COMPARISON_COLUMNS,
    body.definition_versions.flatMap((g) =>
      g.rows.map((r) => ({
        metric: body.metric.key,
        definition_version: g.definition_version,
        current_definition: g.current,
        unit: g.unit,
        direction: g.direction,
        aggregation: g.aggregation,
        team: r.team.key,
        initiative: r.initiative.key,
        initiative_title: r.initiative.title,
        initiative_status: r.initiative.status,
        iteration_id: r.iteration.id,
        version_number: r.iteration.number,
        iteration_status: r.iteration.status,
        tracked_metric_id: r.tracked_metric_id,
        baseline: r.baseline,
        current: r.current,
        target: r.target,
        lift: r.lift,
        relative_lift: r.relative_lift,
        progress: r.progress,
        health: r.health,
        measurements_count: r.measurements_count,
        last_observed_at: r.last_observed_at,
      })),
    ),
  );
