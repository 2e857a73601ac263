import { readCache } from '../../db/read-cache';
import type { Ctx } from '../../lib/context';
import { RawJson } from '../../http/serializer';
import { csvLine, type TabularFormat } from '../../http/tabular';
import { readTracked } from '../dashboard/tracked-reading';
import type { TimeBox } from '../tracked-metrics/tracked-metrics.progress';
import { resolveExportScope } from './export-scope';
import { PROGRESS_COLUMNS, type ExportFilters, type ProgressExportRow } from './exports.schemas';
import { progressExportSql, type ProgressSqlRow } from './progress-export.sql';

/**
 * How long a cached export stands while a time box is running: its health compares progress with
 * the elapsed share of the box, which moves continuously, so an answer may be up to this old.
 */
export const RUNNING_HEALTH_TTL_MS = 60_000;

const boxOf = (r: ProgressSqlRow): TimeBox => ({ plannedStart: r.planned_start, startedAt: r.started_at, plannedEnd: r.planned_end });

/** current, progress and health exactly as GET /v1/iterations/{id}/metrics computes them. */
function toRow(r: ProgressSqlRow, now: Date): ProgressExportRow {
  const { count, sum: _sum, min: _min, max: _max, latestValue: _latest, ...version } = r;
  if (r.metric === null || r.aggregation === null) return { ...version, current: null, measurements_count: null, progress: null, metric_health: null };
  const { current, progress, health } = readTracked({ ...r, aggregation: r.aggregation }, boxOf(r), now);
  return { ...version, current, measurements_count: count ?? 0, progress, metric_health: health };
}

/** The first instant at which the clock alone may change a row's health (epoch ms). */
function healthMovesAt(r: ProgressExportRow, now: number): number {
  if (r.metric_health === null || r.metric_health === 'no_data' || r.progress === null) return Infinity;
  const start = r.planned_start ?? r.started_at;
  if (start === null || r.planned_end === null) return Infinity;
  if (now < Date.parse(start)) return Date.parse(start);
  return now < Date.parse(r.planned_end) ? now + RUNNING_HEALTH_TTL_MS : Infinity;
}

/** The answer in one form: JSON rendered once (the serializer sends it as is), or the CSV text. */
export type RenderedProgress = RawJson | string;

/**
 * One row per (version, tracked metric), from one statement over the rollups, rendered row by row
 * into the form asked for: a whole organisation's export is megabytes, so it is neither held as
 * objects nor stringified again for its ETag and serialized a third time. Answered from the read
 * cache while nothing was written (dashboards poll the same query), for at most
 * RUNNING_HEALTH_TTL_MS while a time box runs; an answer larger than a quarter of the cache is not
 * kept, so that one export does not push out every other read.
 */
export function exportProgress(ctx: Ctx, q: ExportFilters, format: TabularFormat): RenderedProgress {
  const scope = resolveExportScope(ctx, q);
  const now = ctx.clock.now();
  const keepUpTo = (ctx.config.READ_CACHE_MB * 1_048_576) / 4;
  const fresh: { body?: RenderedProgress } = {};
  const cached = readCache(ctx.db, ctx.config.READ_CACHE_MB).read(`export:progress:${format}:${JSON.stringify(scope)}`, now.getTime(), () => {
    // Row by row into the text: the rows themselves are never all held at once.
    let text = format === 'csv' ? csvLine(PROGRESS_COLUMNS) : '[';
    let first = true;
    let expiresAt = Infinity;
    for (const r of progressExportSql(ctx.db)(scope)) {
      const row = toRow(r, now);
      expiresAt = Math.min(expiresAt, healthMovesAt(row, now.getTime()));
      if (format === 'csv') text += csvLine(PROGRESS_COLUMNS.map((c) => row[c]));
      else text += (first ? '' : ',') + JSON.stringify(row);
      first = false;
    }
    if (format === 'json') text += ']';
    const body = (fresh.body = format === 'csv' ? text : new RawJson(text));
    const bytes = 2 * text.length;
    return bytes > keepUpTo ? undefined : { value: body, bytes, expiresAt };
  });
  return cached ?? fresh.body!;
}
