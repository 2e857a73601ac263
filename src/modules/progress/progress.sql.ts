/**
 * GET /v1/initiatives/{id}/progress in one statement: the initiative, each of its iterations by
 * number, and per iteration one row per tracked metric (by metric key), or one row with null
 * metric columns when it tracks none; an initiative without iterations is one row with nulls.
 * Hypotheses are counted through their iteration index; each tracked metric reads the rollup of
 * its metric's current definition by primary key, never the measurement ledger. `@ref` is the
 * initiative id (PROGRESS_BY_ID_SQL) or key (PROGRESS_BY_KEY_SQL), as GET /v1/initiatives/{id}
 * resolves it.
 */
const progressSql = (where: string): string => `
SELECT i.id AS initiativeId, i.key AS initiativeKey, i.title AS initiativeTitle, t.key AS teamKey, th.key AS themeKey,
       i.horizon, i.status AS initiativeStatus, i.archived_at AS archivedAt,
       it.id AS iterationId, it.number, it.title, it.status, it.planned_start AS plannedStart, it.planned_end AS plannedEnd,
       it.started_at AS startedAt, it.closed_at AS closedAt, it.abandoned_at AS abandonedAt,
       it.last_check_in_at AS lastCheckInAt, it.last_health AS health,
       CASE WHEN it.status = 'closed' THEN it.decision END AS decision,
       (SELECT json_array(count(*) FILTER (WHERE h.status = 'proposed'), count(*) FILTER (WHERE h.status = 'testing'),
                          count(*) FILTER (WHERE h.status = 'validated'), count(*) FILTER (WHERE h.status = 'invalidated'),
                          count(*) FILTER (WHERE h.status = 'inconclusive'))
        FROM hypotheses h WHERE h.iteration_id = it.id) AS hypotheses,
       r.learnings,
       m.key AS metricKey, m.definition_version AS definitionVersion, m.unit, m.direction, m.aggregation,
       tm.baseline, tm.target, ro.count, ro.sum, ro.min, ro.max, ro.latest_value AS latestValue
FROM initiatives i
JOIN teams t ON t.id = i.team_id
LEFT JOIN themes th ON th.id = i.theme_id
LEFT JOIN iterations it ON it.initiative_id = i.id
LEFT JOIN retrospectives r ON r.iteration_id = it.id
LEFT JOIN tracked_metrics tm ON tm.iteration_id = it.id
LEFT JOIN metrics m ON m.id = tm.metric_id
LEFT JOIN measurement_rollups ro
  ON ro.iteration_id = tm.iteration_id AND ro.metric_id = tm.metric_id AND ro.definition_version = m.definition_version
WHERE ${where}
ORDER BY it.number, m.key`;

export const PROGRESS_BY_ID_SQL = progressSql('i.id = @ref');
export const PROGRESS_BY_KEY_SQL = progressSql('i.key = @ref');
