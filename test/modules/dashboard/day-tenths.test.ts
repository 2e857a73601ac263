import { describe, expect, it } from 'vitest';
import { daysOf, nextTenthAt } from '../../../src/modules/dashboard/day-tenths';
import { paceExpiry, PACE_BOUND_MS } from '../../../src/modules/dashboard/tracked-reading';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('days with one decimal', () => {
  it.each([
    [0, 0],
    [10 * DAY, 10],
    // A tenth of a day is 2.4 hours; halves round up, exactly at the halfway millisecond.
    [1.2 * HOUR - 1, 0],
    [1.2 * HOUR, 0.1],
    [3.5 * DAY, 3.5],
    [0.15 * DAY, 0.2],
  ])('%d ms -> %d days', (ms, days) => expect(daysOf(ms)).toBe(days));

  it('names the next instant the rounded value changes', () => {
    const start = Date.parse('2026-01-22T09:00:00.000Z');
    const now = Date.parse('2026-01-27T09:00:00.000Z');
    const next = nextTenthAt(start, now);
    expect(new Date(next).toISOString()).toBe('2026-01-27T10:12:00.000Z');
    expect(daysOf(next - 1 - start)).toBe(5);
    expect(daysOf(next - start)).toBe(5.1);
  });
});

describe('how long pace-based health may be cached', () => {
  const now = new Date('2026-01-27T09:00:00.000Z');
  const box = { plannedStart: '2026-01-22T09:00:00.000Z', startedAt: '2026-01-22T09:00:00.000Z', plannedEnd: '2026-02-05T09:00:00.000Z' };
  it('bounds a measured metric inside its time box', () => expect(paceExpiry({ count: 2 }, box, now)).toBe(now.getTime() + PACE_BOUND_MS));
  it('leaves unbounded what the clock cannot change: no data, no box, a box that ended', () => {
    expect(paceExpiry({ count: null }, box, now)).toBe(Infinity);
    expect(paceExpiry({ count: 2 }, { ...box, plannedEnd: null }, now)).toBe(Infinity);
    expect(paceExpiry({ count: 2 }, { ...box, plannedEnd: '2026-01-27T09:00:00.000Z' }, now)).toBe(Infinity);
  });
});
