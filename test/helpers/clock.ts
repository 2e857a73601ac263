import type { Clock } from '../../src/lib/clock';

/** A clock tests move by hand. */
export class TestClock implements Clock {
  private t: number;
  constructor(start = '2026-01-05T09:00:00.000Z') {
    this.t = Date.parse(start);
  }
  now(): Date {
    return new Date(this.t);
  }
  set(iso: string): void {
    this.t = Date.parse(iso);
  }
  advanceDays(days: number): void {
    this.t += days * 86_400_000;
  }
}
