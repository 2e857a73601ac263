import type { Statement } from 'better-sqlite3';
import type { Db } from '../../db/client';
import { perDb } from '../../lib/per-db';
import type { ExportScope } from './export-scope';
import type { RollupColumns } from '../measurements/rollup-value';
import type { ProgressExportRow } from './exports.schemas';


/** A row as the statement returns it: the version's columns, the tracked metric and its rollup. */
export type ProgressSqlRow = Omit<ProgressExportRow, 'current' | 'measurements_count' | 'progress' | 'metric_health'> & RollupColumns;

/**
 * A version's span: from its start (planned_start before it starts) to its end (closed or
 * abandoned); a version under construction or in review has not ended, a planned one ends at its
 * planned end (or not at all without one). Half open, like the windows measurements land in.
 */
export const SPAN_START = 'coalesce(it.started_at, it.planned_start)';
export const SPAN_END = "CASE it.status WHEN 'closed' THEN it.closed_at WHEN 'abandoned' THEN it.abandoned_at WHEN 'planned' THEN it.planned_end END";

const FILTERS = {
  teamId: 'i.team_id = @teamId',
  themeId: 'i.theme_id = @themeId',
  initiativeId: 'it.initiative_id = @initiativeId',
  // With a metric filter only the versions tracking one of them are listed.
  metricIds: 'tm.metric_id IN (SELECT value FROM json_each(@metricIds))',
  // A version with no start at all (planned, no planned_start) is in no range.
  from: `${SPAN_START} IS NOT NULL AND (${SPAN_END} IS NULL OR ${SPAN_END} > @from)`,
  to: `${SPAN_START} < @to`,
} as const;
type Filter = keyof typeof FILTERS;

/**
 * One statement: versions with their initiative, team and theme, each tracked metric (none: one
 * row of nulls, by the LEFT JOIN) and the rollup of its live measurements under the metric's
 * current definition, found by primary key. The ledger is never read.
 */
export const progressSql = (filters: Filter[]): string => `
  SELECT t.key AS team, th.key AS theme, i.key AS initiative, it.id AS iteration_id, it.number AS version, it.status,
         it.planned_start, it.planned_end, it.started_at, it.closed_at, it.abandoned_at, it.decision, it.last_health AS health,
         m.key AS metric, m.definition_version, m.unit, m.direction, m.aggregation, tm.baseline, tm.target,
         r.count, r.sum, r.min, r.max, r.latest_value AS latestValue
  FROM iterations it
  JOIN initiatives i ON i.id = it.initiative_id
  JOIN teams t ON t.id = i.team_id
  LEFT JOIN themes th ON th.id = i.theme_id
  LEFT JOIN tracked_metrics tm ON tm.iteration_id = it.id
  LEFT JOIN metrics m ON m.id = tm.metric_id
  LEFT JOIN measurement_rollups r ON r.iteration_id = it.id AND r.metric_id = tm.metric_id AND r.definition_version = m.definition_version
  ${filters.length > 0 ? `WHERE ${filters.map((f) => FILTERS[f]).join(' AND ')}` : ''}
  ORDER BY t.key, i.key, it.number, m.key`;

export const progressExportSql = perDb((db: Db) => {
  const statements = new Map<string, Statement<[Record<string, unknown>], ProgressSqlRow>>();
  /** The rows one at a time: iterate to the end in one synchronous loop (the connection is busy meanwhile). */
  return (scope: ExportScope): IterableIterator<ProgressSqlRow> => {
    const filters = (Object.keys(FILTERS) as Filter[]).filter((f) => scope[f] !== undefined);
    const sql = progressSql(filters);
    let statement = statements.get(sql);
    if (statement === undefined) {
      statement = db.$client.prepare<[Record<string, unknown>], ProgressSqlRow>(sql);
      statements.set(sql, statement);
    }
    const bound = Object.fromEntries(filters.map((f) => [f, f === 'metricIds' ? JSON.stringify(scope.metricIds) : scope[f]]));
    return statement.iterate(bound);
  };
});
