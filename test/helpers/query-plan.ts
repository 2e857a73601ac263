import type { Db } from '../../src/db/client';

/**
 * The plan SQLite chooses for a statement, one line per step ("SEARCH measurement_rollups USING
 * ..."). Parameters are bound as given (nulls do for planning).
 */
export function queryPlan(db: Db, sql: string, params: unknown[] | Record<string, unknown> = []): string[] {
  const statement = db.$client.prepare(`EXPLAIN QUERY PLAN ${sql}`);
  const rows = (Array.isArray(params) ? statement.all(...params) : statement.all(params)) as Array<{ detail: string }>;
  return rows.map((r) => r.detail);
}

/** The steps that read the measurement ledger whole (a table or full-index scan): none is allowed on a read path. */
export const ledgerScans = (plan: string[]): string[] => plan.filter((step) => /\bSCAN measurements\b/.test(step));
