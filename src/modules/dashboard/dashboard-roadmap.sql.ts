/**
 * The statement of GET /v1/dashboard/roadmap, for the WHERE clause of a filter set (see
 * dashboard.filters.ts): one row per (initiative, tracked metric of its current iteration), or
 * one row with null metric columns when it tracks none. The current iteration is the rollup the
 * triggers keep on initiatives (migration 0001); rollups are read by primary key, never the
 * ledger. Ordered by initiative key along the unique index, so lanes fill in order without a sort.
 */
export const roadmapSql = (where: string): string => `
SELECT i.id, i.key, i.title, i.status, i.horizon,
       t.key AS teamKey, t.name AS teamName, th.key AS themeKey, th.name AS themeName,
       c.number AS currentNumber, c.status AS currentStatus, c.last_health AS health,
       c.started_at AS startedAt, c.last_check_in_at AS lastCheckInAt,
       tm.baseline, tm.target, m.aggregation,
       r.count, r.sum, r.min, r.max, r.latest_value AS latestValue
FROM initiatives i
JOIN teams t ON t.id = i.team_id
LEFT JOIN themes th ON th.id = i.theme_id
LEFT JOIN iterations c ON c.id = i.current_iteration_id
LEFT JOIN tracked_metrics tm ON tm.iteration_id = c.id
LEFT JOIN metrics m ON m.id = tm.metric_id
LEFT JOIN measurement_rollups r
  ON r.iteration_id = tm.iteration_id AND r.metric_id = tm.metric_id AND r.definition_version = m.definition_version
WHERE ${where}
ORDER BY i.key`;
