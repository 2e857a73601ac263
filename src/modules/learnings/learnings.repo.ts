import type { Statement } from 'better-sqlite3';
import type { Db } from '../../db/client';
import { perDb } from '../../lib/per-db';
import type { HypothesisLearning } from './learnings.schemas';

/** A concluded hypothesis with its version, initiative, team and retrospective (learnings as JSON text). */
export interface LearningRow {
  id: string;
  statement: string;
  metricKey: string;
  result: HypothesisLearning['result'];
  evidence: string;
  confidence: HypothesisLearning['confidence'];
  overrideReason: string | null;
  concludedAt: string;
  iterationId: string;
  number: number;
  iterationStatus: HypothesisLearning['version']['status'];
  decision: HypothesisLearning['version']['decision'];
  initiativeId: string;
  initiativeKey: string;
  initiativeTitle: string;
  teamId: string;
  teamKey: string;
  /** 1 when the iteration has a retrospective. */
  hasRetrospective: number;
  retroDecision: HypothesisLearning['version']['decision'];
  retroDecisionReason: string | null;
  retroLearnings: string | null;
}

export const LEARNING_FILTERS = {
  metric: 'h.metric_id = @metric',
  result: 'h.status = @result',
  team: 'i.team_id = @team',
  initiative: 'it.initiative_id = @initiative',
  // Keyset: strictly after the previous page's last (concluded_at, id), newest first.
  cursor: '(h.concluded_at, h.id) < (@after_at, @after_id)',
} as const;
export type LearningFilter = keyof typeof LEARNING_FILTERS;

/**
 * Concluded hypotheses, newest conclusion first, one page (`@limit` rows). `concluded_at IS NOT
 * NULL` is spelled out so that partial indexes on concluded hypotheses serve the order.
 */
export const learningsSql = (filters: LearningFilter[]): string => `
SELECT h.id, h.statement, m.key AS metricKey, h.status AS result, h.evidence, h.confidence,
       h.override_reason AS overrideReason, h.concluded_at AS concludedAt,
       it.id AS iterationId, it.number, it.status AS iterationStatus, it.decision,
       i.id AS initiativeId, i.key AS initiativeKey, i.title AS initiativeTitle, t.id AS teamId, t.key AS teamKey,
       r.iteration_id IS NOT NULL AS hasRetrospective, r.decision AS retroDecision,
       r.decision_reason AS retroDecisionReason, r.learnings AS retroLearnings
FROM hypotheses h
JOIN metrics m ON m.id = h.metric_id
JOIN iterations it ON it.id = h.iteration_id
JOIN initiatives i ON i.id = it.initiative_id
JOIN teams t ON t.id = i.team_id
LEFT JOIN retrospectives r ON r.iteration_id = h.iteration_id
WHERE h.concluded_at IS NOT NULL AND h.status IN ('validated', 'invalidated', 'inconclusive')
  ${filters.map((f) => `AND ${LEARNING_FILTERS[f]}`).join(' ')}
ORDER BY h.concluded_at DESC, h.id DESC
LIMIT @limit`;

type Params = Record<string, string | number>;

export const learningsRepo = perDb((db: Db) => {
  const statements = new Map<string, Statement<[Params], LearningRow>>();
  return {
    /** `params` holds limit and one value per filter (after_at and after_id for the cursor). */
    page(filters: LearningFilter[], params: Params): LearningRow[] {
      const sql = learningsSql(filters);
      let statement = statements.get(sql);
      if (!statement) {
        statement = db.$client.prepare<[Params], LearningRow>(sql);
        statements.set(sql, statement);
      }
      return statement.all(params);
    },
  };
});
