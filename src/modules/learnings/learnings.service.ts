import { readCache } from '../../db/read-cache';
import type { Learning } from '../../db/schema/retrospectives';
import type { Ctx } from '../../lib/context';
import { toPage } from '../../http/pagination';
import { validationFailed } from '../../http/problems';
import { resolveInitiative } from '../initiatives/initiatives.service';
import { resolveMetric } from '../metrics/metrics.service';
import { teamsService } from '../teams/teams.module';
import { learningsRepo, type LearningFilter, type LearningRow } from './learnings.repo';
import { RenderedRead } from '../../http/rendered-read';
import { learningsCsv } from './learnings.csv';
import type { HypothesisLearning, LearningsFilters } from './learnings.schemas';

const toDto = (r: LearningRow): HypothesisLearning => ({
  hypothesis_id: r.id,
  statement: r.statement,
  metric: r.metricKey,
  result: r.result,
  evidence: r.evidence,
  confidence: r.confidence,
  override_reason: r.overrideReason,
  concluded_at: r.concludedAt,
  team: { id: r.teamId, key: r.teamKey },
  initiative: { id: r.initiativeId, key: r.initiativeKey, title: r.initiativeTitle },
  version: { iteration_id: r.iterationId, number: r.number, status: r.iterationStatus, decision: r.decision },
  retrospective: r.hasRetrospective
    ? {
        decision: r.retroDecision,
        decision_reason: r.retroDecisionReason ?? '',
        // In the schema's key order: the JSON text is written as built (see RenderedRead).
        learnings: (JSON.parse(r.retroLearnings ?? '[]') as Learning[]).map((l) => ({ observed: l.observed, learned: l.learned })),
      }
    : null,
});

/** The page's sort key: concluded_at (fixed-width RFC 3339) and id, joined by a space. */
const cursorOf = (r: LearningRow): string => `${r.concludedAt} ${r.id}`;

function afterOf(cursor: string): { after_at: string; after_id: string } {
  const [at, id, ...rest] = cursor.split(' ');
  if (!at || !id || rest.length > 0) {
    throw validationFailed([{ path: 'query.cursor', message: 'not a cursor this list issued; use next_cursor from the previous page' }]);
  }
  return { after_at: at, after_id: id };
}

/**
 * Concluded hypotheses (validated, invalidated, inconclusive) across initiatives, newest
 * conclusion first, each with its version and that version's retrospective. Cached, rendered as
 * JSON and CSV, until the next write (nothing here depends on the clock).
 */
export function listLearnings(ctx: Ctx, q: LearningsFilters): RenderedRead {
  // Keyed by the references as sent and resolved inside: a cached page costs no statement at all.
  const key = `learnings:${JSON.stringify([q.metric, q.team, q.initiative, q.result, q.limit, q.cursor])}`;
  return readCache(ctx.db, ctx.config.READ_CACHE_MB).read(key, ctx.clock.now().getTime(), () => {
    const metric = q.metric === undefined ? undefined : resolveMetric(ctx, q.metric).id;
    const team = q.team === undefined ? undefined : teamsService.resolve(ctx, q.team).id;
    const initiative = q.initiative === undefined ? undefined : resolveInitiative(ctx, q.initiative).id;
    const after = q.cursor === undefined ? undefined : afterOf(q.cursor);
    const filters: LearningFilter[] = [];
    const params: Record<string, string | number> = { limit: q.limit + 1 };
    const bind = (filter: LearningFilter, value: string | undefined) => {
      if (value === undefined) return;
      filters.push(filter);
      params[filter] = value;
    };
    bind('metric', metric);
    bind('result', q.result);
    bind('team', team);
    bind('initiative', initiative);
    if (after) {
      filters.push('cursor');
      Object.assign(params, after);
    }
    const rendered = RenderedRead.of(toPage(learningsRepo(ctx.db).page(filters, params), q.limit, cursorOf, toDto), learningsCsv);
    return { value: rendered, bytes: rendered.bytes };
  })!;
}
