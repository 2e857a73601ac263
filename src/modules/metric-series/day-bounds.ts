import { z } from 'zod';
import { DAY_MS } from '../../lib/clock';

/**
 * `from` and `to` of a series. The daily rollups hold whole UTC days, so a bound selects days:
 * every UTC day that overlaps [from, to) is counted whole. With dates (or midnight timestamps)
 * that is exactly "from inclusive, to exclusive"; a timestamp inside a day takes that whole day.
 */

const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** Sorts after every `YYYY-MM-DD`: the day bound of "no upper limit". */
export const NO_UPPER_DAY = '9999-12-32';
export const NO_LOWER_DAY = '0000-00-00';

/** A date (YYYY-MM-DD) or an RFC 3339 timestamp, normalized to a UTC timestamp. */
export const DayBound = z
  .string()
  .max(40)
  .transform((s, ctx) => {
    const date = DATE.test(s) && z.iso.date().safeParse(s).success;
    const timestamp = !date && z.iso.datetime({ offset: true }).safeParse(s).success;
    const ms = date ? Date.parse(`${s}T00:00:00Z`) : timestamp ? Date.parse(s) : NaN;
    const iso = Number.isNaN(ms) ? '' : new Date(ms).toISOString();
    if (!/^\d{4}-/.test(iso)) {
      ctx.addIssue({ code: 'custom', message: 'a date such as 2026-01-05 or an RFC 3339 timestamp such as 2026-01-05T00:00:00Z (send + as %2B)' });
      return z.NEVER;
    }
    return iso;
  });

/** The first day a lower bound selects: the UTC day it falls in. */
export const fromDay = (iso: string | undefined): string => (iso === undefined ? NO_LOWER_DAY : iso.slice(0, 10));

/** The first day an upper (exclusive) bound leaves out: its day at midnight, otherwise the next day. */
export function toDay(iso: string | undefined): string {
  if (iso === undefined) return NO_UPPER_DAY;
  const ms = Date.parse(iso);
  const start = Math.floor(ms / DAY_MS) * DAY_MS;
  const day = new Date(ms === start ? start : start + DAY_MS).toISOString().slice(0, 10);
  return DATE.test(day) ? day : NO_UPPER_DAY;
}
