import { readCache } from '../../db/read-cache';
import type { Ctx } from '../../lib/context';
import { notFound } from '../../http/problems';
import { toCsv } from '../../http/tabular';
import { HYPOTHESIS_STATUSES } from '../../db/schema';
import { daysOf, nextTenthAt } from '../dashboard/day-tenths';
import { RenderedRead } from '../../http/rendered-read';
import { paceExpiry, readTracked } from '../dashboard/tracked-reading';
import { ACTIVE_STATUSES, isStale, staleFlipsAt } from '../iterations/iteration-lifecycle';
import { checkinIntervalDays } from '../policy/policy.current';
import { PROGRESS_COLUMNS, progressCsvRows } from './progress.csv';
import { progressRepo, type ProgressRow } from './progress.repo';
import type { InitiativeProgress, ProgressMetric, ProgressVersion } from './progress.schemas';

interface Computed {
  body: InitiativeProgress;
  /** When the clock alone would change the body (see versionOf). */
  expiresAt: number;
}

/** Counts in HYPOTHESIS_STATUSES order, as the statement's json_array gives them. */
function hypothesesOf(json: string): ProgressVersion['hypotheses'] {
  const counts = JSON.parse(json) as number[];
  return Object.fromEntries(HYPOTHESIS_STATUSES.map((s, i) => [s, counts[i] ?? 0])) as ProgressVersion['hypotheses'];
}

/**
 * One version from its rows (one per tracked metric), and when the clock would change it:
 * days_taken of a running version at its next tenth of a day, stale at staleFlipsAt, and a
 * tracked metric's pace-based health within PACE_BOUND_MS while its time box runs.
 */
function versionOf(rows: ProgressRow[], now: Date, interval: number): { version: ProgressVersion; expiresAt: number } {
  const it = rows[0]!;
  const active = ACTIVE_STATUSES.includes(it.status);
  const end = it.closedAt ?? it.abandonedAt ?? (active ? now.toISOString() : null);
  let expiresAt = active ? staleFlipsAt(it.lastCheckInAt ?? it.startedAt, now, interval) : Infinity;
  if (active && it.startedAt !== null) expiresAt = Math.min(expiresAt, nextTenthAt(Date.parse(it.startedAt), now.getTime()));

  const tracked: ProgressMetric[] = [];
  for (const r of rows) {
    if (r.metricKey === null || r.aggregation === null) continue;
    const row = { ...r, aggregation: r.aggregation };
    const { current, progress, health } = readTracked(row, it, now);
    expiresAt = Math.min(expiresAt, paceExpiry(row, it, now));
    tracked.push({
      metric: r.metricKey,
      definition_version: r.definitionVersion!,
      unit: r.unit!,
      direction: r.direction!,
      baseline: r.baseline,
      current,
      target: r.target,
      progress,
      health,
    });
  }
  const version: ProgressVersion = {
    number: it.number,
    id: it.iterationId!,
    title: it.title,
    status: it.status,
    planned_start: it.plannedStart,
    planned_end: it.plannedEnd,
    started_at: it.startedAt,
    closed_at: it.closedAt,
    abandoned_at: it.abandonedAt,
    days_taken: it.startedAt === null || end === null ? null : daysOf(Date.parse(end) - Date.parse(it.startedAt)),
    health: it.health,
    stale: isStale(it, now, interval),
    hypotheses: hypothesesOf(it.hypotheses),
    tracked_metrics: tracked,
    decision: it.decision,
    learnings: it.learnings === null ? null : (JSON.parse(it.learnings) as ProgressVersion['learnings']),
  };
  return { version, expiresAt };
}

function computeProgress(ctx: Ctx, ref: string, now: Date): Computed | undefined {
  const rows = progressRepo(ctx.db).rows(ref);
  const first = rows[0];
  if (first === undefined) return undefined;
  const interval = checkinIntervalDays(ctx);
  const versions: ProgressVersion[] = [];
  let expiresAt = Infinity;
  // Rows come by iteration number; a version's rows (one per tracked metric) are next to each other.
  for (let i = 0; i < rows.length; ) {
    const start = i;
    while (i < rows.length && rows[i]!.iterationId === rows[start]!.iterationId) i++;
    if (rows[start]!.iterationId === null) continue;
    const v = versionOf(rows.slice(start, i), now, interval);
    versions.push(v.version);
    expiresAt = Math.min(expiresAt, v.expiresAt);
  }
  const body: InitiativeProgress = {
    initiative: {
      id: first.initiativeId,
      key: first.initiativeKey,
      title: first.initiativeTitle,
      team: first.teamKey,
      theme: first.themeKey,
      horizon: first.horizon,
      status: first.initiativeStatus,
      archived_at: first.archivedAt,
    },
    versions,
  };
  return { body, expiresAt };
}

/** An initiative's progress by id or key, rendered in both forms, from the read cache while nothing was written and the clock changed nothing. */
export function getInitiativeProgress(ctx: Ctx, ref: string): RenderedRead {
  const now = ctx.clock.now();
  const rendered = readCache(ctx.db, ctx.config.READ_CACHE_MB).read(`initiative-progress:${ref}`, now.getTime(), () => {
    const computed = computeProgress(ctx, ref, now);
    if (!computed) return undefined;
    const value = RenderedRead.of(computed.body, (b) => toCsv(PROGRESS_COLUMNS, progressCsvRows(b)));
    return { value, bytes: value.bytes, expiresAt: computed.expiresAt };
  });
  if (!rendered) throw notFound('initiative', ref);
  return rendered;
}
