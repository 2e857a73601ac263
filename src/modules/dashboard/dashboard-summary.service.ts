import { readCache } from '../../db/read-cache';
import type { Ctx } from '../../lib/context';
import { staleCutoff, staleFlipsAt } from '../iterations/iteration-lifecycle';
import { checkinIntervalDays } from '../policy/policy.current';
import { TRACKED_HEALTHS } from '../tracked-metrics/tracked-metrics.schemas';
import { summaryRows, SUMMARY_COLUMNS } from './dashboard.csv';
import { dashboardRepo, type SummaryCountsRow } from './dashboard.repo';
import { filterKey, resolveFilters } from './dashboard.filters';
import { OVERDUE_LIST_MAX, type DashboardFilterQuery, type DashboardSummary } from './dashboard.schemas';
import { paceExpiry, readTracked } from './tracked-reading';
import { RenderedRead } from '../../http/rendered-read';
import { toCsv } from '../../http/tabular';
import { daysOf } from './day-tenths';

const rateOf = (c: SummaryCountsRow): number | null => {
  const concluded = c.hypotheses_validated + c.hypotheses_invalidated + c.hypotheses_inconclusive;
  return concluded === 0 ? null : c.hypotheses_validated / concluded;
};

/**
 * The summary at `now`, and the instant from which the clock alone would change it: an iteration
 * turning overdue (its planned_end passed), one turning stale (staleFlipsAt), or the pace-based
 * health of an active tracked metric moving (bounded, see PACE_BOUND_MS).
 */
function computeSummary(ctx: Ctx, q: DashboardFilterQuery, now: Date): { body: DashboardSummary; expiresAt: number } {
  const f = resolveFilters(ctx, q);
  const interval = checkinIntervalDays(ctx);
  const repo = dashboardRepo(ctx.db);
  const c = repo.summaryCounts(f, { now: now.toISOString(), stale_before: staleCutoff(now, interval) });
  const overdue = c.overdue === 0 ? [] : repo.overdue(f, { now: now.toISOString(), limit: OVERDUE_LIST_MAX });

  const byHealth = Object.fromEntries(TRACKED_HEALTHS.map((h) => [h, 0])) as DashboardSummary['tracked_metrics_by_health'];
  let expiresAt = Math.min(c.next_due === null ? Infinity : Date.parse(c.next_due) + 1, staleFlipsAt(c.stale_from, now, interval));
  for (const row of repo.activeTracked(f)) {
    byHealth[readTracked(row, row, now).health]++;
    expiresAt = Math.min(expiresAt, paceExpiry(row, row, now));
  }

  const body: DashboardSummary = {
    initiatives_by_status: { active: c.initiatives_active, adopted: c.initiatives_adopted, stopped: c.initiatives_stopped },
    iterations_by_status: {
      planned: c.iterations_planned,
      under_construction: c.iterations_under_construction,
      in_review: c.iterations_in_review,
      closed: c.iterations_closed,
      abandoned: c.iterations_abandoned,
    },
    overdue_iterations: { count: c.overdue, items: overdue, truncated: c.overdue > overdue.length },
    stale_iterations: c.stale,
    hypotheses: {
      proposed: c.hypotheses_proposed,
      testing: c.hypotheses_testing,
      validated: c.hypotheses_validated,
      invalidated: c.hypotheses_invalidated,
      inconclusive: c.hypotheses_inconclusive,
      validation_rate: rateOf(c),
    },
    median_iteration_days: c.median_ms === null ? null : daysOf(c.median_ms),
    tracked_metrics_by_health: byHealth,
    action_items: { open: c.action_items_open, recurring: c.action_items_recurring },
  };
  return { body, expiresAt };
}

/** The summary, rendered in both forms, from the read cache while nothing was written and the clock changed nothing. */
export function getDashboardSummary(ctx: Ctx, q: DashboardFilterQuery): RenderedRead {
  const now = ctx.clock.now();
  return readCache(ctx.db, ctx.config.READ_CACHE_MB).read(`dashboard-summary:${filterKey(q)}`, now.getTime(), () => {
    const { body, expiresAt } = computeSummary(ctx, q, now);
    const value = RenderedRead.of(body, (b) => toCsv(SUMMARY_COLUMNS, summaryRows(b)));
    return { value, bytes: value.bytes, expiresAt };
  })!;
}
