import type { Statement } from 'better-sqlite3';
import type { Db } from '../../db/client';
import { perDb } from '../../lib/per-db';
import type { IterationStatus } from '../iterations/iteration-lifecycle';
import { roadmapSql } from './dashboard-roadmap.sql';
import { summaryCountsSql, summaryOverdueSql, summaryTrackedSql } from './dashboard-summary.sql';
import { filterClause, type DashboardFilters } from './dashboard.filters';
import type { TrackedRollupRow } from './tracked-reading';

export interface SummaryCountsRow {
  initiatives_active: number;
  initiatives_adopted: number;
  initiatives_stopped: number;
  iterations_planned: number;
  iterations_under_construction: number;
  iterations_in_review: number;
  iterations_closed: number;
  iterations_abandoned: number;
  overdue: number;
  next_due: string | null;
  stale: number;
  stale_from: string | null;
  hypotheses_proposed: number;
  hypotheses_testing: number;
  hypotheses_validated: number;
  hypotheses_invalidated: number;
  hypotheses_inconclusive: number;
  action_items_open: number;
  action_items_recurring: number;
  median_ms: number | null;
}

export interface OverdueRow {
  iteration_id: string;
  initiative: string;
  number: number;
  status: IterationStatus;
  planned_end: string;
}

export interface ActiveTrackedRow extends TrackedRollupRow {
  plannedStart: string | null;
  startedAt: string | null;
  plannedEnd: string | null;
}

export interface RoadmapRow extends Omit<TrackedRollupRow, 'aggregation'> {
  id: string;
  key: string;
  title: string;
  status: 'active' | 'adopted' | 'stopped';
  horizon: 'now' | 'next' | 'later';
  teamKey: string;
  teamName: string;
  themeKey: string | null;
  themeName: string | null;
  currentNumber: number | null;
  currentStatus: IterationStatus | null;
  health: 'on_track' | 'at_risk' | 'off_track' | null;
  startedAt: string | null;
  lastCheckInAt: string | null;
  /** Null on the row of an initiative whose current iteration tracks nothing. */
  aggregation: TrackedRollupRow['aggregation'] | null;
}

type Params = Record<string, unknown>;

/**
 * The dashboard statements, prepared once per database and filter combination (a handful:
 * team, theme, horizon and archived in their combinations), then reused by every request.
 */
export const dashboardRepo = perDb((db: Db) => {
  const prepared = new Map<string, Statement<[Params]>>();
  const statement = (sql: string) => {
    let s = prepared.get(sql);
    if (!s) {
      s = db.$client.prepare<[Params]>(sql);
      prepared.set(sql, s);
    }
    return s;
  };
  const run = <R>(build: (where: string) => string, f: DashboardFilters, params: Params, all: boolean) => {
    const { where, bound } = filterClause(f);
    const s = statement(build(where));
    return (all ? s.all({ ...bound, ...params }) : s.get({ ...bound, ...params })) as R;
  };

  return {
    summaryCounts: (f: DashboardFilters, p: { now: string; stale_before: string }): SummaryCountsRow =>
      run<SummaryCountsRow>(summaryCountsSql, f, p, false),
    overdue: (f: DashboardFilters, p: { now: string; limit: number }): OverdueRow[] => run<OverdueRow[]>(summaryOverdueSql, f, p, true),
    activeTracked: (f: DashboardFilters): ActiveTrackedRow[] => run<ActiveTrackedRow[]>(summaryTrackedSql, f, {}, true),
    roadmap: (f: DashboardFilters): RoadmapRow[] => run<RoadmapRow[]>(roadmapSql, f, {}, true),
  };
});
