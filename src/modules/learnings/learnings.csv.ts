import { toCsv } from '../../http/tabular';
import type { LearningsPageBody } from './learnings.schemas';

export const LEARNING_COLUMNS = [
  'hypothesis_id',
  'concluded_at',
  'result',
  'metric',
  'statement',
  'evidence',
  'confidence',
  'override_reason',
  'team',
  'initiative',
  'initiative_title',
  'iteration_id',
  'version_number',
  'iteration_status',
  'decision',
  'retrospective_decision',
  'learnings',
] as const;

/**
 * One row per hypothesis of the page. `learnings` holds the retrospective's learnings as a JSON
 * array of {observed, learned} (empty without a retrospective): one cell, so the table stays one
 * row per hypothesis.
 */
export const learningsCsv = (page: LearningsPageBody): string =>
  toCsv(
    LEARNING_COLUMNS,
    page.data.map((h) => ({
      hypothesis_id: h.hypothesis_id,
      concluded_at: h.concluded_at,
      result: h.result,
      metric: h.metric,
      statement: h.statement,
      evidence: h.evidence,
      confidence: h.confidence,
      override_reason: h.override_reason,
      team: h.team.key,
      initiative: h.initiative.key,
      initiative_title: h.initiative.title,
      iteration_id: h.version.iteration_id,
      version_number: h.version.number,
      iteration_status: h.version.status,
      decision: h.version.decision,
      retrospective_decision: h.retrospective?.decision ?? null,
      learnings: h.retrospective ? JSON.stringify(h.retrospective.learnings) : null,
    })),
  );
