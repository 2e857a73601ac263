/** Durations in days with one decimal, as the dashboard reads show them. */

const DAY_TENTH_MS = 8_640_000;

/**
 * Milliseconds as days with one decimal, halves rounding up. Dividing integer milliseconds by a
 * tenth of a day keeps the halfway points exact (no 0.15 * 10 = 1.4999...).
 */
export const daysOf = (ms: number): number => Math.round(ms / DAY_TENTH_MS) / 10;

/** The instant (epoch ms) after `nowMs` at which daysOf(t - startMs) next changes. */
export function nextTenthAt(startMs: number, nowMs: number): number {
  const tenths = Math.round((nowMs - startMs) / DAY_TENTH_MS);
  return startMs + (tenths + 0.5) * DAY_TENTH_MS;
}
