import type { Db } from '../../db/client';
import { perDb } from '../../lib/per-db';
import type { Rule } from './policy.schemas';

/** The one policy row; its rules are a JSON document (see policy.current.ts for how it is read). */
export interface PolicyRow {
  rules: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** What starting an iteration may need, in one read. */
export interface StartFacts {
  hypotheses: number;
  tracked: number;
  /** Keys of tracked metrics lacking a baseline or a target, comma-separated; null when none. */
  incomplete: string | null;
}

export interface ViolationRow {
  rule: Rule;
  entity_type: 'initiative' | 'iteration' | 'hypothesis' | 'tracked_metric';
  entity_id: string;
  /** What the detail names: a metric key, a duration in days, a timestamp, a JSON array of keys. */
  info: string | number | null;
  /** The id the detail's paths name: the iteration of a hypothesis or tracked metric, else the entity's own. */
  path_id: string;
  sort_key: string;
}

/** The parameters of the violations query: the rules in force (1/0 for booleans) and the page. */
export interface ViolationQuery {
  central: number;
  hypothesis: number;
  baseline: number;
  retro: number;
  max_days: number | null;
  stale_before: string;
  required: string;
  rule: Rule | null;
  after: string | null;
  limit: number;
}

const LIVE = `('planned', 'under_construction', 'in_review')`;
const ACTIVE = `('under_construction', 'in_review')`;

/**
 * Everything in play that breaks a rule in force now, one branch per rule; a branch whose rule is
 * off is skipped by its constant condition. Closed and abandoned versions are history: never
 * reported. Keyset-paginated on `rule || ' ' || entity_id` (ids are unique across entity types).
 */
const VIOLATIONS_SQL = `
WITH v(rule, entity_type, entity_id, info, path_id) AS (
  SELECT 'require_central_metrics', 'tracked_metric', tm.id, m.key, tm.iteration_id
  FROM tracked_metrics tm JOIN metrics m ON m.id = tm.metric_id JOIN iterations it ON it.id = tm.iteration_id
  WHERE @central = 1 AND m.scope = 'team' AND it.status IN ${LIVE}
  UNION ALL
  SELECT 'require_central_metrics', 'hypothesis', h.id, m.key, h.iteration_id
  FROM hypotheses h JOIN metrics m ON m.id = h.metric_id JOIN iterations it ON it.id = h.iteration_id
  WHERE @central = 1 AND m.scope = 'team' AND it.status IN ${LIVE}
  UNION ALL
  SELECT 'require_hypothesis_to_start', 'iteration', it.id, NULL, it.id FROM iterations it
  WHERE @hypothesis = 1 AND it.status IN ${ACTIVE} AND NOT EXISTS (SELECT 1 FROM hypotheses h WHERE h.iteration_id = it.id)
  UNION ALL
  SELECT 'require_baseline_to_start', 'iteration', it.id, NULL, it.id FROM iterations it
  WHERE @baseline = 1 AND it.status IN ${ACTIVE} AND NOT EXISTS (SELECT 1 FROM tracked_metrics tm WHERE tm.iteration_id = it.id)
  UNION ALL
  SELECT 'require_baseline_to_start', 'tracked_metric', tm.id, m.key, tm.iteration_id
  FROM tracked_metrics tm JOIN metrics m ON m.id = tm.metric_id JOIN iterations it ON it.id = tm.iteration_id
  WHERE @baseline = 1 AND it.status IN ${ACTIVE} AND (tm.baseline IS NULL OR tm.target IS NULL)
  UNION ALL
  SELECT 'require_retrospective_to_close', 'iteration', it.id, NULL, it.id FROM iterations it
  WHERE @retro = 1 AND it.status = 'in_review'
    AND NOT EXISTS (SELECT 1 FROM retrospectives r WHERE r.iteration_id = it.id AND json_array_length(r.learnings) > 0)
  UNION ALL
  SELECT 'max_timebox_days', 'iteration', it.id,
    CASE WHEN it.planned_start IS NULL OR it.planned_end IS NULL THEN NULL
         ELSE round(julianday(it.planned_end) - julianday(it.planned_start), 2) END, it.id
  FROM iterations it
  WHERE @max_days IS NOT NULL AND it.status IN ${LIVE} AND (
    (it.planned_start IS NOT NULL AND it.planned_end IS NOT NULL
      AND round((julianday(it.planned_end) - julianday(it.planned_start)) * 86400000) > @max_days * 86400000)
    OR (it.status IN ${ACTIVE} AND (it.planned_start IS NULL OR it.planned_end IS NULL)))
  UNION ALL
  SELECT 'checkin_interval_days', 'iteration', it.id, coalesce(it.last_check_in_at, it.started_at), it.id FROM iterations it
  WHERE it.status IN ${ACTIVE} AND coalesce(it.last_check_in_at, it.started_at) < @stale_before
  UNION ALL
  SELECT 'required_initiative_attributes', 'initiative', id, missing, id FROM (
    SELECT i.id,
      (SELECT json_group_array(r.value) FROM json_each(@required) r
       WHERE NOT EXISTS (SELECT 1 FROM json_each(i.attributes) a WHERE a.key = r.value AND a.type <> 'null')) AS missing
    FROM initiatives i WHERE json_array_length(@required) > 0 AND i.archived_at IS NULL)
  WHERE json_array_length(missing) > 0
)
SELECT rule, entity_type, entity_id, info, path_id, rule || ' ' || entity_id AS sort_key FROM v
WHERE (@rule IS NULL OR rule = @rule) AND (@after IS NULL OR rule || ' ' || entity_id > @after)
ORDER BY sort_key
LIMIT @limit`;

export const policyRepo = perDb((db: Db) => {
  const c = db.$client;
  const find = c.prepare<[], PolicyRow>('SELECT rules, version, created_at AS createdAt, updated_at AS updatedAt FROM policy WHERE id = 1');
  // Two servers starting on one file may both try: the second changes nothing.
  const insert = c.prepare<[string, string, string]>(
    'INSERT INTO policy (id, rules, version, created_at, updated_at) VALUES (1, ?, 1, ?, ?) ON CONFLICT (id) DO NOTHING',
  );
  const update = c.prepare<[string, number, string]>('UPDATE policy SET rules = ?, version = ?, updated_at = ? WHERE id = 1');
  const startFacts = c.prepare<{ id: string }, StartFacts>(
    `SELECT (SELECT count(*) FROM hypotheses WHERE iteration_id = @id) AS hypotheses,
            (SELECT count(*) FROM tracked_metrics WHERE iteration_id = @id) AS tracked,
            (SELECT group_concat(m.key, ', ') FROM tracked_metrics tm JOIN metrics m ON m.id = tm.metric_id
             WHERE tm.iteration_id = @id AND (tm.baseline IS NULL OR tm.target IS NULL)) AS incomplete`,
  );
  const violations = c.prepare<ViolationQuery, ViolationRow>(VIOLATIONS_SQL);

  return {
    find: (): PolicyRow | undefined => find.get(),
    insertIfMissing: (rules: string, now: string) => void insert.run(rules, now, now),
    update: (rules: string, version: number, updatedAt: string) => void update.run(rules, version, updatedAt),
    startFacts: (iterationId: string): StartFacts => startFacts.get({ id: iterationId })!,
    violations: (q: ViolationQuery): ViolationRow[] => violations.all(q),
  };
});
