import type { Statement } from 'better-sqlite3';
import type { Db } from '../../db/client';
import { perDb } from '../../lib/per-db';
import type { ExportScope } from './export-scope';

/** A row as the statement returns it (`late` is SQLite's 0 or 1). */
export interface MeasurementExportSqlRow {
  measurement_id: string;
  metric: string;
  definition_version: number;
  unit: string;
  currency_code: string | null;
  team: string;
  theme: string | null;
  initiative: string;
  iteration_id: string;
  iteration_number: number;
  value: number;
  observed_at: string;
  recorded_at: string;
  late: number;
  source: string | null;
  note: string | null;
}

/**
 * The ledger is read in windows of ids: `boundary` finds the id `@skip` candidates past `@after` on
 * the index the filters lead with (initiative, one metric, or the primary key), and `rows` reads
 * the live rows of (`@after`, `@upto`] that pass every filter, `@upto` bounding the index range
 * (the last window ends at the newest id). A window never holds more than `@skip + 1`
 * candidates, so one synchronous read is bounded however selective the filters are (a narrow
 * from/to over a large ledger reads many nearly empty windows, yielding between them).
 */
type Leading = 'initiative' | 'metric' | 'all';

/** The leading condition of each index, on the bare table (boundary) and aliased (rows). */
const LEADING: Record<Leading, (alias: string) => string> = {
  initiative: (a) => `${a}initiative_id = @initiativeId AND `,
  metric: (a) => `${a}metric_id = @metricId AND `,
  all: () => '',
};

const RESIDUAL = {
  teamId: 'i.team_id = @teamId',
  themeId: 'i.theme_id = @themeId',
  metricIds: 'm.metric_id IN (SELECT value FROM json_each(@metricIds))',
  from: 'm.observed_at >= @from',
  to: 'm.observed_at < @to',
} as const;
type Residual = keyof typeof RESIDUAL;

const NEWEST_SQL = 'SELECT max(id) AS id FROM measurements';

export const boundarySql = (leading: Leading): string =>
  `SELECT id FROM measurements WHERE ${LEADING[leading]('')}id > @after ORDER BY id LIMIT 1 OFFSET @skip`;

export const rowsSql = (leading: Leading, residual: Residual[]): string => `
  SELECT m.id AS measurement_id, mt.key AS metric, m.definition_version, d.unit, d.currency_code,
         t.key AS team, th.key AS theme, i.key AS initiative, m.iteration_id, it.number AS iteration_number,
         m.value, m.observed_at, m.recorded_at, m.late, m.source, m.note
  FROM measurements m
  JOIN metrics mt ON mt.id = m.metric_id
  JOIN metric_definitions d ON d.metric_id = m.metric_id AND d.definition_version = m.definition_version
  JOIN initiatives i ON i.id = m.initiative_id
  JOIN teams t ON t.id = i.team_id
  LEFT JOIN themes th ON th.id = i.theme_id
  JOIN iterations it ON it.id = m.iteration_id
  WHERE ${LEADING[leading]('m.')}m.id > @after AND m.id <= @upto
    AND m.voided_at IS NULL AND m.superseded_by IS NULL
    ${residual.map((r) => `AND ${RESIDUAL[r]}`).join(' ')}
  ORDER BY m.id`;

/** The statements and bound values of one export; `window` reads the next window after `after`. */
export interface ExportPlan {
  boundarySql: string;
  rowsSql: string;
  window(after: string, size: number): { rows: MeasurementExportSqlRow[]; upto: string | null };
}

export const measurementExportSql = perDb((db: Db) => {
  const sqlite = db.$client;
  const statements = new Map<string, Statement<[Record<string, unknown>], unknown>>();
  const prepared = <R>(sql: string) => {
    let statement = statements.get(sql);
    if (statement === undefined) {
      statement = sqlite.prepare<[Record<string, unknown>], unknown>(sql);
      statements.set(sql, statement);
    }
    return statement as Statement<[Record<string, unknown>], R>;
  };

  return (scope: ExportScope): ExportPlan => {
    // The most selective index the filters allow; the other filters are checked row by row.
    const single = scope.metricIds?.length === 1 ? scope.metricIds[0] : undefined;
    const leading: Leading = scope.initiativeId ? 'initiative' : single ? 'metric' : 'all';
    const residual = (Object.keys(RESIDUAL) as Residual[]).filter(
      (r) => scope[r] !== undefined && !(r === 'metricIds' && leading === 'metric'),
    );
    const lead = leading === 'initiative' ? { initiativeId: scope.initiativeId } : leading === 'metric' ? { metricId: single } : {};
    const bound = {
      ...lead,
      ...Object.fromEntries(residual.map((r) => [r, r === 'metricIds' ? JSON.stringify(scope.metricIds) : scope[r]])),
    };
    const plan = { boundarySql: boundarySql(leading), rowsSql: rowsSql(leading, residual) };
    const boundary = prepared<{ id: string }>(plan.boundarySql);
    const newest = prepared<{ id: string | null }>(NEWEST_SQL);
    const rows = prepared<MeasurementExportSqlRow>(plan.rowsSql);
    return {
      ...plan,
      window(after, size) {
        const upto = boundary.get({ ...lead, after, skip: size - 1 })?.id ?? null;
        // Past the last full window: the rest, up to the newest row there is now.
        const last = upto === null ? newest.get({})?.id ?? null : upto;
        return { rows: last === null || last <= after ? [] : rows.all({ ...bound, after, upto: last }), upto };
      },
    };
  };
});
