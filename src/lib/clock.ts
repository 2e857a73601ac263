/** The source of "now". Passed in so that tests control time; nothing deeper reads Date.now(). */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export const DAY_MS = 86_400_000;

/** RFC 3339 UTC with milliseconds; fixed width, so it also sorts correctly as text. */
export const isoNow = (clock: Clock): string => clock.now().toISOString();
