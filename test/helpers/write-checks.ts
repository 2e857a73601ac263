/**
 * What a database file says about the writes of test/helpers/write-load.ts: whether each one is
 * applied wholly, not at all, or partly (a defect), and whether everything a write does besides
 * its main row (activity rows, hypotheses moved by a transition, carried items, corrections,
 * rollups) is there exactly when the write is. Read through a connection of the caller's.
 */
import type Database from 'better-sqlite3';
import { rollupDrift } from './rollup-check';
import type { Write } from './write-load';

export type Applied = 'all' | 'none' | 'partial';

const STATUS_RANK: Record<string, number> = { planned: 0, under_construction: 1, in_review: 2, closed: 3 };
const TRANSITION_TO = { start: 'under_construction', review: 'in_review', close: 'closed' } as const;

/**
 * The rows by which writes are recognised, read once (a check of thousands of writes is then
 * one pass over each table, not one query per write).
 */
export class AppliedWrites {
  private readonly measurementsBySource = new Map<string, number>();
  /** Measurements voided or superseded: how, and the source of the row that superseded them. */
  private readonly corrected = new Map<string, { voided_at: string | null; void_reason: string | null; corrected_by: string | null }>();
  private readonly checkInsByNote = new Map<string, number>();
  private readonly iterationsByGoal = new Map<string, number>();
  private readonly iterationStatus = new Map<string, string>();

  constructor(db: Database.Database) {
    const tally = (map: Map<string, number>, sql: string) => {
      for (const r of db.prepare(sql).all() as Array<{ k: string; n: number }>) map.set(r.k, r.n);
    };
    tally(this.measurementsBySource, 'SELECT source AS k, count(*) AS n FROM measurements WHERE source IS NOT NULL GROUP BY source');
    tally(this.checkInsByNote, 'SELECT note AS k, count(*) AS n FROM check_ins GROUP BY note');
    tally(this.iterationsByGoal, 'SELECT goal AS k, count(*) AS n FROM iterations GROUP BY goal');
    for (const r of db.prepare('SELECT id, status FROM iterations').all() as Array<{ id: string; status: string }>) this.iterationStatus.set(r.id, r.status);
    const rows = db
      .prepare(
        `SELECT c.id, c.voided_at, c.void_reason, m.source AS corrected_by FROM measurements c LEFT JOIN measurements m ON m.id = c.superseded_by
         WHERE c.voided_at IS NOT NULL OR c.void_reason IS NOT NULL OR c.superseded_by IS NOT NULL`,
      )
      .all() as Array<{ id: string; voided_at: string | null; void_reason: string | null; corrected_by: string | null }>;
    for (const { id, ...r } of rows) this.corrected.set(id, r);
  }

  /** How much of the write the database holds; `detail` says what is wrong when it is partly there. */
  state(w: Write): { applied: Applied; detail?: string } {
    const byCount = (found: number, expected: number, what: string): { applied: Applied; detail?: string } =>
      found === 0 ? { applied: 'none' } : found === expected ? { applied: 'all' } : { applied: 'partial', detail: `${found} ${what} instead of 0 or ${expected}` };
    switch (w.kind) {
      case 'measurement':
        return byCount(this.measurementsBySource.get(w.tag) ?? 0, 1, 'measurements');
      case 'batch': {
        const rows = byCount(this.measurementsBySource.get(w.tag) ?? 0, w.rows, 'rows');
        if (rows.applied === 'partial' || w.subject === undefined) return rows;
        // The row it supersedes is corrected exactly when the batch is there.
        const corrected = this.corrected.get(w.subject)?.corrected_by === w.tag;
        if (corrected !== (rows.applied === 'all')) {
          return { applied: 'partial', detail: `rows ${rows.applied}, but the correction of ${w.subject} ${corrected ? 'is' : 'is not'} there` };
        }
        return rows;
      }
      case 'void': {
        const row = this.corrected.get(w.subject ?? '');
        if (row === undefined) return { applied: 'none' };
        if (row.voided_at !== null && row.void_reason === w.tag) return { applied: 'all' };
        return { applied: 'partial', detail: `voided_at ${row.voided_at}, reason ${row.void_reason}` };
      }
      case 'check-in':
        return byCount(this.checkInsByNote.get(w.tag) ?? 0, 1, 'check-ins');
      case 'plan':
        return byCount(this.iterationsByGoal.get(w.tag) ?? 0, 1, 'iterations');
      case 'start':
      case 'review':
      case 'close': {
        // Transitions only go forward, and the worker sends the next one only after this one's answer.
        const status = this.iterationStatus.get(w.subject ?? '') ?? '';
        return { applied: (STATUS_RANK[status] ?? -1) >= (STATUS_RANK[TRANSITION_TO[w.kind]] ?? 0) ? 'all' : 'none' };
      }
    }
  }
}

/** Rows returned by a query that lists what breaks an invariant, each as a line. */
function violations(db: Database.Database, what: string, sql: string): string[] {
  return (db.prepare(sql).all() as unknown[]).slice(0, 10).map((row) => `${what}: ${JSON.stringify(row)}`);
}

/**
 * Invariants tying each write to its side effects, over the whole database: a change and its
 * activity row, a transition and its stamps and hypotheses, a plan and what it carried over.
 */
export function sideEffectProblems(db: Database.Database): string[] {
  return [
    ...violations(
      db,
      'measurements without their measurements.recorded activity (ledger rows vs the counts logged)',
      `SELECT (SELECT count(*) FROM measurements) AS rows,
              (SELECT coalesce(sum(json_extract(after, '$.count')), 0) FROM activity WHERE action = 'measurements.recorded') AS logged
       WHERE rows != logged`,
    ),
    ...violations(
      db,
      'a void and its activity row',
      `SELECT m.id, m.voided_at FROM measurements m WHERE m.voided_at IS NOT NULL
         AND (SELECT count(*) FROM activity a WHERE a.entity_type = 'measurement' AND a.entity_id = m.id AND a.action = 'measurement.voided') != 1
       UNION ALL SELECT a.entity_id, NULL FROM activity a WHERE a.action = 'measurement.voided'
         AND (SELECT m.voided_at FROM measurements m WHERE m.id = a.entity_id) IS NULL`,
    ),
    ...violations(
      db,
      'a correction that is one-sided',
      `SELECT m.id, m.supersedes, m.superseded_by FROM measurements m
       WHERE (m.supersedes IS NOT NULL AND (SELECT o.superseded_by FROM measurements o WHERE o.id = m.supersedes) IS NOT m.id)
          OR (m.superseded_by IS NOT NULL AND (SELECT n.supersedes FROM measurements n WHERE n.id = m.superseded_by) IS NOT m.id)`,
    ),
    ...violations(
      db,
      'a check-in and its activity row',
      `SELECT c.id FROM check_ins c WHERE (SELECT count(*) FROM activity a WHERE a.entity_type = 'check_in' AND a.entity_id = c.id AND a.action = 'check_in.created') != 1
       UNION ALL SELECT a.entity_id FROM activity a WHERE a.action = 'check_in.created' AND NOT EXISTS (SELECT 1 FROM check_ins c WHERE c.id = a.entity_id)`,
    ),
    ...violations(
      db,
      "an iteration's status, its stamps and its activity rows",
      `SELECT id, status, started_at, review_started_at, closed_at, decision,
         (SELECT count(*) FROM activity a WHERE a.entity_type = 'iteration' AND a.entity_id = it.id AND a.action = 'iteration.created') AS created,
         (SELECT count(*) FROM activity a WHERE a.entity_type = 'iteration' AND a.entity_id = it.id AND a.action = 'iteration.started') AS started,
         (SELECT count(*) FROM activity a WHERE a.entity_type = 'iteration' AND a.entity_id = it.id AND a.action = 'iteration.review_started') AS reviewed,
         (SELECT count(*) FROM activity a WHERE a.entity_type = 'iteration' AND a.entity_id = it.id AND a.action = 'iteration.closed') AS closed
       FROM iterations it
       WHERE created != 1
          OR started != (started_at IS NOT NULL) OR reviewed != (review_started_at IS NOT NULL) OR closed != (closed_at IS NOT NULL)
          OR (started_at IS NOT NULL) != (status IN ('under_construction', 'in_review', 'closed'))
          OR (review_started_at IS NOT NULL) != (status IN ('in_review', 'closed'))
          OR (closed_at IS NOT NULL) != (status = 'closed') OR (decision IS NOT NULL) != (status = 'closed')`,
    ),
    ...violations(
      db,
      "a hypothesis that a transition of its iteration did not move along (or moved without the transition)",
      `SELECT h.id, h.status, h.review_suggestion IS NOT NULL AS suggested, it.status AS iteration_status,
         (SELECT count(*) FROM activity a WHERE a.entity_type = 'hypothesis' AND a.entity_id = h.id AND a.action = 'hypothesis.testing_started') AS testing_logged,
         (SELECT count(*) FROM activity a WHERE a.entity_type = 'hypothesis' AND a.entity_id = h.id AND a.action = 'hypothesis.review_suggested') AS suggested_logged
       FROM hypotheses h JOIN iterations it ON it.id = h.iteration_id
       WHERE (h.status = 'testing') != (it.status != 'planned')
          OR (h.review_suggestion IS NOT NULL) != (it.status IN ('in_review', 'closed'))
          OR testing_logged != (it.status != 'planned') OR suggested_logged != (it.status IN ('in_review', 'closed'))
          OR (SELECT count(*) FROM activity a WHERE a.entity_type = 'hypothesis' AND a.entity_id = h.id AND a.action = 'hypothesis.created') != 1`,
    ),
    ...violations(
      db,
      'a planned version without the hypotheses it carried over from the one before',
      `SELECT it.id, it.number,
         (SELECT count(*) FROM hypotheses h WHERE h.iteration_id = it.based_on_id) AS before,
         (SELECT count(*) FROM hypotheses h WHERE h.iteration_id = it.id AND h.carried_from IN (SELECT p.id FROM hypotheses p WHERE p.iteration_id = it.based_on_id)) AS carried
       FROM iterations it WHERE it.carried_over_at IS NOT NULL AND before != carried`,
    ),
  ];
}

/** SQLite's own checks and the rollups against the history they summarise. */
export function databaseProblems(db: Database.Database): string[] {
  const integrity = db.pragma('integrity_check') as Array<{ integrity_check: string }>;
  const problems = integrity.filter((r) => r.integrity_check !== 'ok').map((r) => `integrity_check: ${r.integrity_check}`);
  problems.push(...(db.pragma('foreign_key_check') as unknown[]).slice(0, 10).map((v) => `foreign_key_check: ${JSON.stringify(v)}`));
  problems.push(...rollupDrift(db).slice(0, 10).map((d) => `rollup drift: ${JSON.stringify(d)}`));
  return problems;
}
