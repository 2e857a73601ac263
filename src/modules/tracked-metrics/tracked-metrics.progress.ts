import type { TrackedHealth } from './tracked-metrics.schemas';

/** The iteration times the pace is measured against. */
export interface TimeBox {
  plannedStart: string | null;
  startedAt: string | null;
  plannedEnd: string | null;
}

/**
 * Thresholds are compared with a little slack: 0.8 - 0.1 is 0.7000000000000001 in binary
 * floating point, and a progress of exactly 0.7 must count as on pace.
 */
const EPSILON = 1e-9;

/**
 * (current - baseline) / (target - baseline); direction needs no special case. Null, as for a
 * target equal to the baseline, when a target a hair's breadth from it makes the ratio too large
 * for a double.
 */
export function progressOf(current: number | null, baseline: number | null, target: number | null): number | null {
  if (current === null || baseline === null || target === null || target === baseline) return null;
  const progress = (current - baseline) / (target - baseline);
  return Number.isFinite(progress) ? progress : null;
}

/**
 * The share of the time box elapsed at `now`, clamped to [0, 1]; null without a time box. The box
 * runs from planned_start (or started_at when no start was planned) to planned_end. A box that ends
 * before it starts (started after the planned end) counts as fully elapsed.
 */
export function elapsedShare(box: TimeBox, now: Date): number | null {
  const start = box.plannedStart ?? box.startedAt;
  if (start === null || box.plannedEnd === null) return null;
  const from = Date.parse(start);
  const to = Date.parse(box.plannedEnd);
  if (to <= from) return 1;
  return Math.min(1, Math.max(0, (now.getTime() - from) / (to - from)));
}

/** The health rule documented in HEALTH_RULE (tracked-metrics.schemas.ts) and the README. */
export function healthOf(count: number, progress: number | null, share: number | null): TrackedHealth {
  if (count === 0) return 'no_data';
  // Measured, but nothing to measure it against: not shown to be moving, so at risk.
  if (progress === null) return 'at_risk';
  if (progress >= 1 - EPSILON) return 'achieved';
  if (share === null) return progress > 0 ? 'on_track' : 'at_risk';
  if (progress >= share - 0.1 - EPSILON) return 'on_track';
  if (progress >= share - 0.25 - EPSILON) return 'at_risk';
  return 'off_track';
}
