import type { Interval } from './metric-series.schemas';

/**
 * The SQL of the series and the comparison. Both read rollups kept by triggers in the writes'
 * transactions (migrations 0002 and 0005), never the measurement ledger. An optional filter is
 * part of the statement's text rather than an `@x IS NULL OR ...` test, so the planner can use an
 * index for it; each combination is prepared once, the first time it is asked for.
 */

/** The first day of a row's bucket, from its `YYYY-MM-DD` day (UTC; weeks start on Monday). */
const BUCKET: Record<Interval, string> = {
  day: 'r.day',
  // Back six days, then forward to the next Monday (or stay on it): the Monday on or before the day.
  week: "date(r.day, '-6 days', 'weekday 1')",
  month: "substr(r.day, 1, 8) || '01'",
};

export const SERIES_FILTERS = {
  initiative: 'r.iteration_id IN (SELECT id FROM iterations WHERE initiative_id = @initiative)',
  team: 'r.iteration_id IN (SELECT it.id FROM initiatives i JOIN iterations it ON it.initiative_id = i.id WHERE i.team_id = @team)',
} as const;
export type SeriesFilter = keyof typeof SERIES_FILTERS;

/**
 * One row per (definition version, bucket): the daily rollups combined. count, sum, min and max
 * combine directly (an average is sum / count of the combined row). The latest value is that of
 * the day row whose latest observation is the greatest (observed_at, then id, as the rollups
 * order them): `observed_at || ' ' || id` sorts that way since observed_at is fixed-width RFC 3339,
 * and the one day row holding that measurement is then found by primary key. Parameters: @metric,
 * @from_day (inclusive), @to_day (exclusive), and one per filter.
 */
export const seriesSql = (interval: Interval, filters: SeriesFilter[]): string => {
  // Unfiltered, the organisation's day totals (migration 0007) hold one row per day; a filter needs
  // the per-iteration daily rollups, which have the same columns.
  const table = filters.length === 0 ? 'measurement_day_totals' : 'measurement_daily_rollups';
  return `
SELECT g.dv AS definitionVersion, g.bucket, g.count, g.sum, g.min, g.max,
  (SELECT x.latest_value FROM ${table} x
   WHERE x.metric_id = @metric AND x.definition_version = g.dv AND x.day = substr(g.latest_key, 1, 10)
     AND x.latest_observed_at = substr(g.latest_key, 1, instr(g.latest_key, ' ') - 1)
     AND x.latest_id = substr(g.latest_key, instr(g.latest_key, ' ') + 1)
   LIMIT 1) AS latestValue
FROM (
  SELECT r.definition_version AS dv, ${BUCKET[interval]} AS bucket, sum(r.count) AS count, sum(r.sum) AS sum,
         min(r.min) AS min, max(r.max) AS max, max(r.latest_observed_at || ' ' || r.latest_id) AS latest_key
  FROM ${table} r
  WHERE r.metric_id = @metric AND r.day >= @from_day AND r.day < @to_day
    ${filters.map((f) => `AND ${SERIES_FILTERS[f]}`).join(' ')}
  GROUP BY r.definition_version, bucket
) g
ORDER BY g.dv, g.bucket`;
};

/** Every definition a metric has had, oldest first. */
export const DEFINITIONS_SQL = `
SELECT definition_version AS definitionVersion, unit, currency_code AS currencyCode, direction, aggregation, created_at AS createdAt
FROM metric_definitions WHERE metric_id = ? ORDER BY definition_version`;

export const COMPARISON_FILTERS = {
  team: 'i.team_id = @team',
  initiativeStatus: 'i.status = @initiativeStatus',
  iterationStatus: 'it.status = @iterationStatus',
  currentOnly: 'i.current_iteration_id = it.id',
} as const;
export type ComparisonFilter = keyof typeof COMPARISON_FILTERS;

/**
 * Every tracked metric of @metric with its iteration, initiative and team, once per definition
 * version its iteration has a rollup of (a row with null rollup columns when it has none). The
 * rollups are found by their primary key's (iteration_id, metric_id) prefix.
 */
export const comparisonSql = (filters: ComparisonFilter[]): string => `
SELECT tm.id AS trackedMetricId, tm.baseline, tm.target,
       it.id AS iterationId, it.number, it.status AS iterationStatus,
       it.planned_start AS plannedStart, it.started_at AS startedAt, it.planned_end AS plannedEnd,
       i.id AS initiativeId, i.key AS initiativeKey, i.title AS initiativeTitle, i.status AS initiativeStatus,
       t.id AS teamId, t.key AS teamKey,
       r.definition_version AS definitionVersion, r.count, r.sum, r.min, r.max,
       r.latest_value AS latestValue, r.latest_observed_at AS latestObservedAt
FROM tracked_metrics tm
JOIN iterations it ON it.id = tm.iteration_id
JOIN initiatives i ON i.id = it.initiative_id
JOIN teams t ON t.id = i.team_id
LEFT JOIN measurement_rollups r ON r.iteration_id = tm.iteration_id AND r.metric_id = tm.metric_id
WHERE tm.metric_id = @metric ${filters.map((f) => `AND ${COMPARISON_FILTERS[f]}`).join(' ')}
ORDER BY t.key, i.key, it.number, r.definition_version`;
