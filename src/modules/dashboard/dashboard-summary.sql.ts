import { RECURRING_AFTER } from '../action-items/action-items.schemas';

/**
 * The statements of GET /v1/dashboard/summary, for the WHERE clause of a filter set (see
 * dashboard.filters.ts). Each starts from the matching initiatives and reaches their iterations,
 * hypotheses, action items and tracked metrics through the foreign-key indexes; values computed
 * from measurements read measurement_rollups by primary key, never the ledger. CROSS JOIN fixes
 * the join order (SQLite keeps its left side outer), so the plan walks from the initiatives down
 * the indexes whatever the table statistics say; a unary + keeps a term from picking a poorer index. Exported so the tests can check their query plans.
 */

const LIVE = `('planned', 'under_construction', 'in_review')`;
const ACTIVE = `('under_construction', 'in_review')`;

const initiativesCte = (where: string) => `ini AS MATERIALIZED (SELECT i.id, i.key, i.status FROM initiatives i WHERE ${where})`;

/**
 * One row of counts. Timestamps are fixed-width RFC 3339 UTC, so text order is time order.
 * @now: overdue is planned_end < @now; next_due is the earliest planned_end a live iteration still
 * has ahead (the clock makes it overdue then). @stale_before: the stale cutoff (staleCutoff);
 * stale_from is the earliest check-in (or start) of an active iteration not stale yet.
 * The median runs over integer milliseconds, so rounding to days happens once, in the service.
 */
export const summaryCountsSql = (where: string): string => `
WITH ${initiativesCte(where)},
its AS MATERIALIZED (
  SELECT it.id, it.status, it.planned_end, it.started_at, it.closed_at, coalesce(it.last_check_in_at, it.started_at) AS since
  FROM ini CROSS JOIN iterations it ON it.initiative_id = ini.id
)
SELECT * FROM
  (SELECT count(*) FILTER (WHERE status = 'active') AS initiatives_active,
          count(*) FILTER (WHERE status = 'adopted') AS initiatives_adopted,
          count(*) FILTER (WHERE status = 'stopped') AS initiatives_stopped
   FROM ini),
  (SELECT count(*) FILTER (WHERE status = 'planned') AS iterations_planned,
          count(*) FILTER (WHERE status = 'under_construction') AS iterations_under_construction,
          count(*) FILTER (WHERE status = 'in_review') AS iterations_in_review,
          count(*) FILTER (WHERE status = 'closed') AS iterations_closed,
          count(*) FILTER (WHERE status = 'abandoned') AS iterations_abandoned,
          count(*) FILTER (WHERE status IN ${LIVE} AND planned_end < @now) AS overdue,
          min(planned_end) FILTER (WHERE status IN ${LIVE} AND planned_end >= @now) AS next_due,
          count(*) FILTER (WHERE status IN ${ACTIVE} AND since < @stale_before) AS stale,
          min(since) FILTER (WHERE status IN ${ACTIVE} AND since >= @stale_before) AS stale_from
   FROM its),
  (SELECT count(*) FILTER (WHERE h.status = 'proposed') AS hypotheses_proposed,
          count(*) FILTER (WHERE h.status = 'testing') AS hypotheses_testing,
          count(*) FILTER (WHERE h.status = 'validated') AS hypotheses_validated,
          count(*) FILTER (WHERE h.status = 'invalidated') AS hypotheses_invalidated,
          count(*) FILTER (WHERE h.status = 'inconclusive') AS hypotheses_inconclusive
   FROM its CROSS JOIN hypotheses h ON h.iteration_id = its.id),
  (SELECT count(*) AS action_items_open,
          count(*) FILTER (WHERE a.times_carried >= ${RECURRING_AFTER}) AS action_items_recurring
   FROM its CROSS JOIN action_items a ON a.iteration_id = its.id
   WHERE +a.status = 'open' AND NOT EXISTS (SELECT 1 FROM action_items n WHERE n.carried_from = a.id)),
  (SELECT avg(ms) AS median_ms FROM (
     SELECT ms, row_number() OVER (ORDER BY ms) AS rn, count(*) OVER () AS n FROM (
       SELECT round((julianday(closed_at) - julianday(started_at)) * 86400000) AS ms
       FROM its WHERE status = 'closed' AND started_at IS NOT NULL AND closed_at IS NOT NULL))
   WHERE rn IN ((n + 1) / 2, (n + 2) / 2))`;

/** The overdue iterations, most overdue first, at most @limit (the count comes from summaryCountsSql). */
export const summaryOverdueSql = (where: string): string => `
WITH ${initiativesCte(where)}
SELECT it.id AS iteration_id, ini.key AS initiative, it.number, it.status, it.planned_end
FROM ini CROSS JOIN iterations it ON it.initiative_id = ini.id
WHERE it.status IN ${LIVE} AND it.planned_end < @now
ORDER BY it.planned_end, it.id
LIMIT @limit`;

/** The tracked metrics of active iterations with their time box and rollup, for pace-based health. */
export const summaryTrackedSql = (where: string): string => `
WITH ${initiativesCte(where)}
SELECT it.planned_start AS plannedStart, it.started_at AS startedAt, it.planned_end AS plannedEnd,
       tm.baseline, tm.target, m.aggregation,
       r.count, r.sum, r.min, r.max, r.latest_value AS latestValue
FROM ini
CROSS JOIN iterations it ON it.initiative_id = ini.id AND it.status IN ${ACTIVE}
CROSS JOIN tracked_metrics tm ON tm.iteration_id = it.id
JOIN metrics m ON m.id = tm.metric_id
LEFT JOIN measurement_rollups r
  ON r.iteration_id = tm.iteration_id AND r.metric_id = tm.metric_id AND r.definition_version = m.definition_version`;
