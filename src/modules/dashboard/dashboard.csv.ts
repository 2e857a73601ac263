import type { DashboardRoadmap, DashboardSummary } from './dashboard.schemas';

/**
 * The CSV forms of the dashboard reads: tidy long tables with stable snake_case columns, whose
 * rows are derived from the JSON body so both forms always say the same.
 */

export interface SummaryRow {
  measure: string;
  key: string;
  value: number | null;
}

export const SUMMARY_COLUMNS = ['measure', 'key', 'value'] as const satisfies readonly (keyof SummaryRow)[];

const countRows = (measure: string, counts: Record<string, number | null>): SummaryRow[] =>
  Object.entries(counts).map(([key, value]) => ({ measure, key, value }));

/**
 * One row per number of the summary (the overdue list is JSON only): `initiatives_by_status`,
 * `iterations_by_status`, `hypotheses_by_status` and `tracked_metrics_by_health` keyed by the
 * status or health; `overdue_iterations` and `stale_iterations` keyed `count`;
 * `hypothesis_validation_rate` keyed `rate` and `median_iteration_days` keyed `days` (empty value
 * when null); `action_items` keyed `open` and `recurring`.
 */
export function summaryRows(s: DashboardSummary): SummaryRow[] {
  const { validation_rate, ...byStatus } = s.hypotheses;
  return [
    ...countRows('initiatives_by_status', s.initiatives_by_status),
    ...countRows('iterations_by_status', s.iterations_by_status),
    { measure: 'overdue_iterations', key: 'count', value: s.overdue_iterations.count },
    { measure: 'stale_iterations', key: 'count', value: s.stale_iterations },
    ...countRows('hypotheses_by_status', byStatus),
    { measure: 'hypothesis_validation_rate', key: 'rate', value: validation_rate },
    { measure: 'median_iteration_days', key: 'days', value: s.median_iteration_days },
    ...countRows('tracked_metrics_by_health', s.tracked_metrics_by_health),
    ...countRows('action_items', s.action_items),
  ];
}

export const ROADMAP_COLUMNS = [
  'group_by',
  'lane_key',
  'lane_name',
  'initiative_id',
  'initiative_key',
  'title',
  'status',
  'horizon',
  'team',
  'theme',
  'current_version',
  'current_version_status',
  'health',
  'stale',
  'progress',
] as const;

type RoadmapCsvRow = Record<(typeof ROADMAP_COLUMNS)[number], unknown>;

/** One row per initiative, lane columns first, in the order of the JSON lanes. */
export function roadmapRows(r: DashboardRoadmap): RoadmapCsvRow[] {
  return r.lanes.flatMap((lane) =>
    lane.initiatives.map((i) => ({
      group_by: r.group_by,
      lane_key: lane.key,
      lane_name: lane.name,
      initiative_id: i.id,
      initiative_key: i.key,
      title: i.title,
      status: i.status,
      horizon: i.horizon,
      team: i.team,
      theme: i.theme,
      current_version: i.current_version,
      current_version_status: i.current_version_status,
      health: i.health,
      stale: i.stale,
      progress: i.progress,
    })),
  );
}
