import type { InitiativeProgress, ProgressMetric, ProgressVersion } from './progress.schemas';

/**
 * The CSV form of an initiative's progress: tidy long rows, one per (version, tracked metric),
 * the initiative and version columns repeated on each; a version tracking no metric still has one
 * row, with empty metric columns. Learnings are counted here (their text is in the JSON form).
 */
export const PROGRESS_COLUMNS = [
  'initiative_id',
  'initiative_key',
  'team',
  'theme',
  'version',
  'iteration_id',
  'iteration_title',
  'iteration_status',
  'planned_start',
  'planned_end',
  'started_at',
  'closed_at',
  'abandoned_at',
  'days_taken',
  'health',
  'stale',
  'hypotheses_proposed',
  'hypotheses_testing',
  'hypotheses_validated',
  'hypotheses_invalidated',
  'hypotheses_inconclusive',
  'decision',
  'learnings_count',
  'metric',
  'definition_version',
  'unit',
  'direction',
  'baseline',
  'current',
  'target',
  'progress',
  'metric_health',
] as const;

type ProgressCsvRow = Record<(typeof PROGRESS_COLUMNS)[number], unknown>;

const NO_METRIC = { metric: null, definition_version: null, unit: null, direction: null, baseline: null, current: null, target: null, progress: null, metric_health: null };

const metricColumns = (m: ProgressMetric) => ({
  metric: m.metric,
  definition_version: m.definition_version,
  unit: m.unit,
  direction: m.direction,
  baseline: m.baseline,
  current: m.current,
  target: m.target,
  progress: m.progress,
  metric_health: m.health,
});

function versionColumns(p: InitiativeProgress, v: ProgressVersion) {
  return {
    initiative_id: p.initiative.id,
    initiative_key: p.initiative.key,
    team: p.initiative.team,
    theme: p.initiative.theme,
    version: v.number,
    iteration_id: v.id,
    iteration_title: v.title,
    iteration_status: v.status,
    planned_start: v.planned_start,
    planned_end: v.planned_end,
    started_at: v.started_at,
    closed_at: v.closed_at,
    abandoned_at: v.abandoned_at,
    days_taken: v.days_taken,
    health: v.health,
    stale: v.stale,
    hypotheses_proposed: v.hypotheses.proposed,
    hypotheses_testing: v.hypotheses.testing,
    hypotheses_validated: v.hypotheses.validated,
    hypotheses_invalidated: v.hypotheses.invalidated,
    hypotheses_inconclusive: v.hypotheses.inconclusive,
    decision: v.decision,
    learnings_count: v.learnings?.length ?? null,
  };
}

export function progressCsvRows(p: InitiativeProgress): ProgressCsvRow[] {
  return p.versions.flatMap((v): ProgressCsvRow[] => {
    const columns = versionColumns(p, v);
    if (v.tracked_metrics.length === 0) return [{ ...columns, ...NO_METRIC }];
    return v.tracked_metrics.map((m) => ({ ...columns, ...metricColumns(m) }));
  });
}
