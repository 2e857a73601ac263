import { readCache } from '../../db/read-cache';
import type { Ctx } from '../../lib/context';
import { toCsv } from '../../http/tabular';
import { ACTIVE_STATUSES, isStale, staleFlipsAt } from '../iterations/iteration-lifecycle';
import { checkinIntervalDays } from '../policy/policy.current';
import { ROADMAP_COLUMNS, roadmapRows } from './dashboard.csv';
import { filterKey, resolveFilters } from './dashboard.filters';
import { dashboardRepo, type RoadmapRow } from './dashboard.repo';
import type { DashboardFilterQuery, DashboardRoadmap, RoadmapGroup, RoadmapInitiative, RoadmapLane } from './dashboard.schemas';
import { RenderedRead } from '../../http/rendered-read';
import { meanOf, trackedProgress } from './tracked-reading';

const HORIZON_ORDER = { now: 0, next: 1, later: 2 } as const;
const HORIZON_NAMES = { now: 'Now', next: 'Next', later: 'Later' } as const;
export const NO_THEME_LANE = 'No theme';

/** The lane of an initiative under each grouping. */
function laneOf(group: RoadmapGroup, r: RoadmapRow): { key: string | null; name: string } {
  if (group === 'team') return { key: r.teamKey, name: r.teamName };
  if (group === 'horizon') return { key: r.horizon, name: HORIZON_NAMES[r.horizon] };
  return r.themeKey === null ? { key: null, name: NO_THEME_LANE } : { key: r.themeKey, name: r.themeName ?? r.themeKey };
}

/** Lanes by key with the null lane last; horizons in their own order. */
function compareLanes(group: RoadmapGroup) {
  return (a: RoadmapLane, b: RoadmapLane): number => {
    if (group === 'horizon') return HORIZON_ORDER[a.key as keyof typeof HORIZON_ORDER] - HORIZON_ORDER[b.key as keyof typeof HORIZON_ORDER];
    if (a.key === null || b.key === null) return a.key === b.key ? 0 : a.key === null ? 1 : -1;
    return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  };
}

/**
 * The roadmap at `now`, and when the clock alone would change it: only `stale` can (health is
 * the check-in's, progress does not depend on time), so it expires when the first current
 * iteration turns stale.
 */
function computeRoadmap(ctx: Ctx, group: RoadmapGroup, q: DashboardFilterQuery, now: Date): { body: DashboardRoadmap; expiresAt: number } {
  const rows = dashboardRepo(ctx.db).roadmap(resolveFilters(ctx, q));
  const interval = checkinIntervalDays(ctx);
  const lanes = new Map<string | null, RoadmapLane>();
  let expiresAt = Infinity;
  // Rows come by initiative key, an initiative's rows (one per tracked metric) next to each other.
  for (let i = 0; i < rows.length; ) {
    const first = rows[i]!;
    const progress: Array<number | null> = [];
    for (; i < rows.length && rows[i]!.id === first.id; i++) {
      const r = rows[i]!;
      if (r.aggregation !== null) progress.push(trackedProgress({ ...r, aggregation: r.aggregation }));
    }
    const status = first.currentStatus;
    const active = status !== null && ACTIVE_STATUSES.includes(status);
    if (active) expiresAt = Math.min(expiresAt, staleFlipsAt(first.lastCheckInAt ?? first.startedAt, now, interval));
    const item: RoadmapInitiative = {
      id: first.id,
      key: first.key,
      title: first.title,
      status: first.status,
      horizon: first.horizon,
      team: first.teamKey,
      theme: first.themeKey,
      current_version: first.currentNumber,
      current_version_status: status,
      health: first.health,
      stale: status !== null && isStale({ status, startedAt: first.startedAt, lastCheckInAt: first.lastCheckInAt }, now, interval),
      progress: meanOf(progress),
    };
    const { key, name } = laneOf(group, first);
    let lane = lanes.get(key);
    if (!lane) lanes.set(key, (lane = { key, name, initiatives: [] }));
    lane.initiatives.push(item);
  }
  const sorted = [...lanes.values()].sort(compareLanes(group));
  // Within a lane: now, next, later; by key within a horizon (the rows' order, kept by the stable sort).
  for (const lane of sorted) lane.initiatives.sort((a, b) => HORIZON_ORDER[a.horizon] - HORIZON_ORDER[b.horizon]);
  return { body: { group_by: group, lanes: sorted }, expiresAt };
}

/** The roadmap, rendered in both forms, from the read cache while nothing was written and no iteration turned stale. */
export function getDashboardRoadmap(ctx: Ctx, group: RoadmapGroup, q: DashboardFilterQuery): RenderedRead {
  const now = ctx.clock.now();
  return readCache(ctx.db, ctx.config.READ_CACHE_MB).read(`dashboard-roadmap:${group}:${filterKey(q)}`, now.getTime(), () => {
    const { body, expiresAt } = computeRoadmap(ctx, group, q, now);
    const value = RenderedRead.of(body, (b) => toCsv(ROADMAP_COLUMNS, roadmapRows(b)));
    return { value, bytes: value.bytes, expiresAt };
  })!;
}
