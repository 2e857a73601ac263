import { currentValue, rollupOf, type Aggregation, type RollupColumns } from '../measurements/rollup-value';
import { elapsedShare, healthOf, progressOf, type TimeBox } from '../tracked-metrics/tracked-metrics.progress';
import type { TrackedHealth } from '../tracked-metrics/tracked-metrics.schemas';

/** A tracked metric as the dashboard statements select it: its yardstick and the rollup of its current definition. */
export interface TrackedRollupRow extends RollupColumns {
  aggregation: Aggregation;
  baseline: number | null;
  target: number | null;
}

export interface TrackedReading {
  current: number | null;
  progress: number | null;
  health: TrackedHealth;
}

/**
 * current, progress and health of a tracked metric at `now`, composed from the tracked-metrics
 * module's own functions exactly as toTrackedMetricDto composes them, so a dashboard never shows
 * a value the tracked-metric API would not.
 */
export function readTracked(row: TrackedRollupRow, box: TimeBox, now: Date): TrackedReading {
  const current = currentValue(row.aggregation, rollupOf(row));
  const progress = progressOf(current, row.baseline, row.target);
  return { current, progress, health: healthOf(row.count ?? 0, progress, elapsedShare(box, now)) };
}

/** Progress alone, which the clock does not change. */
export const trackedProgress = (row: TrackedRollupRow): number | null =>
  progressOf(currentValue(row.aggregation, rollupOf(row)), row.baseline, row.target);

/**
 * How long a cached reading of pace-based health may stand. Health compares progress with the
 * elapsed share of the time box, which moves continuously, so an exact expiry does not exist:
 * such entries are recomputed at most this long after they were computed.
 */
export const PACE_BOUND_MS = 60_000;

/**
 * The instant (epoch ms) until which the clock alone cannot change `readTracked`'s health: now +
 * PACE_BOUND_MS while the metric has measurements and its time box has not ended (the share
 * still moves); Infinity otherwise (no data, no box, or a box whose share is clamped at 1).
 */
export function paceExpiry(row: Pick<TrackedRollupRow, 'count'>, box: TimeBox, now: Date): number {
  const start = box.plannedStart ?? box.startedAt;
  if (!row.count || start === null || box.plannedEnd === null) return Infinity;
  return now.getTime() < Date.parse(box.plannedEnd) ? now.getTime() + PACE_BOUND_MS : Infinity;
}

/** The mean of the values that are not null; null when none is, or when their sum overflows a double. */
export function meanOf(values: Array<number | null>): number | null {
  let sum = 0;
  let n = 0;
  for (const v of values) {
    if (v === null) continue;
    sum += v;
    n++;
  }
  return n === 0 || !Number.isFinite(sum) ? null : sum / n;
}
