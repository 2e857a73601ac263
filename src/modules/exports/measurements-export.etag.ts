import type { Db } from '../../db/client';
import { perDb } from '../../lib/per-db';
import type { ExportScope } from './export-scope';

/**
 * The ETag of a measurements export, known before its body streams, from three numbers that are
 * cheap to read (a primary-key probe and small rollup tables, never the ledger):
 *
 * - `max(id)` of the ledger: ids grow with time (ULIDs, monotonic within a process), so any
 *   insert, including the row that supersedes another, moves it;
 * - the count of live measurements (of the filtered metrics, if any), summed over
 *   measurement_rollups, which the write triggers keep: a void or a supersede lowers it. A row
 *   never becomes live again, so the count only rises through an insert, which moved max(id)
 *   already: the pair changes whenever the set of live rows changes;
 * - the sum of the initiatives' versions: every change of an initiative (its team or theme, shown
 *   on each row) bumps its version. Every other column shown is immutable (keys, iteration
 *   numbers, a definition's unit) or part of the row itself.
 *
 * The count is over all days, not just [from, to): a range-exact count would need the daily
 * rollups scanned by day (they have no index on day), and would rarely help, since any insert
 * anywhere moves max(id) anyway. So the tag may change when the exported rows did not: a needless
 * download, never a stale 304. (A row inserted by another process whose clock stepped back, with
 * an id below max(id), goes unseen only if a void lands in the same interval.)
 */
export interface MeasurementExportState {
  maxId: string | null;
  live: number;
  initiatives: number;
}

export const liveCountSql = (byMetric: boolean): string =>
  `SELECT total(count) FROM measurement_rollups${byMetric ? ' WHERE metric_id IN (SELECT value FROM json_each(@metricIds))' : ''}`;

export const MAX_ID_SQL = 'SELECT max(id) FROM measurements';
export const INITIATIVES_STATE_SQL = 'SELECT total(version) FROM initiatives';

export const measurementExportState = perDb((db: Db) => {
  const sqlite = db.$client;
  const maxId = sqlite.prepare<[], string | null>(MAX_ID_SQL).pluck();
  const initiatives = sqlite.prepare<[], number>(INITIATIVES_STATE_SQL).pluck();
  const live = sqlite.prepare<[], number>(liveCountSql(false)).pluck();
  const liveOf = sqlite.prepare<[{ metricIds: string }], number>(liveCountSql(true)).pluck();

  return (scope: ExportScope): MeasurementExportState => ({
    maxId: maxId.get() ?? null,
    live: (scope.metricIds ? liveOf.get({ metricIds: JSON.stringify(scope.metricIds) }) : live.get()) ?? 0,
    initiatives: initiatives.get() ?? 0,
  });
});
