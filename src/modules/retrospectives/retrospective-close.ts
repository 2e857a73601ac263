import type { Ctx } from '../../lib/context';
import { isoNow } from '../../lib/clock';
import { ApiError, validationFailed } from '../../http/problems';
import { recordActivity } from '../activity/activity.service';
import { hypothesesRepo } from '../hypotheses/hypotheses.repo';
import { toHypothesisDto } from '../hypotheses/hypotheses.service';
import type { IterationRow, IterationView } from '../iterations/iterations.repo';
import { trackedMetricsRepo } from '../tracked-metrics/tracked-metrics.repo';
import { toTrackedMetricDto } from '../tracked-metrics/tracked-metrics.service';
import { retrospectivesRepo } from './retrospectives.repo';
import type { RetrospectiveSnapshot } from './retrospectives.schemas';

type Decision = NonNullable<IterationRow['decision']>;

/**
 * The decision a close records: the one sent, or else the retrospective's. With neither the
 * caller is told how to supply one (400); a decision that contradicts the retrospective's is a
 * 409 naming both, so the card and the close never disagree.
 */
export function closingDecision(ctx: Pick<Ctx, 'db'>, it: IterationRow, sent: Decision | undefined): Decision {
  const written = retrospectivesRepo(ctx.db).decisionOf(it.id) ?? null;
  if (sent === undefined) {
    if (written !== null) return written;
    throw validationFailed(
      [{ path: 'body.decision', message: 'required: the retrospective has no decision (persevere, pivot, adopt or stop)' }],
      `Closing v${it.number} needs a decision: send "decision" in the body, or set the decision of its retrospective (PUT /v1/iterations/${it.id}/retrospective) and close without one.`,
    );
  }
  if (written !== null && sent !== written) {
    throw new ApiError(
      'conflict',
      `The decision '${sent}' contradicts the retrospective's decision '${written}': close with '${written}' (or without a decision), or change the retrospective first.`,
      { extensions: { decision: sent, retrospective_decision: written } },
    );
  }
  return sent;
}

/** The version as it ends: each hypothesis and tracked metric, computed as a read at this moment shows them. */
function snapshotOf(ctx: Ctx, it: IterationView, now: string): RetrospectiveSnapshot {
  const hypotheses = hypothesesRepo(ctx.db)
    .viewsOf(it.id)
    .map((v) => {
      const h = toHypothesisDto(v, now);
      return {
        id: h.id,
        statement: h.statement,
        metric: h.metric,
        operator: h.operator,
        threshold: h.threshold,
        suggested_result: h.suggested_result,
        status: h.status,
        override_reason: h.override_reason,
      };
    });
  const trackedMetrics = trackedMetricsRepo(ctx.db)
    .all(it.id)
    .map((v) => {
      const m = toTrackedMetricDto(ctx, it, v);
      return {
        id: m.id,
        metric: m.metric.key,
        definition_version: m.metric.definition_version,
        baseline: m.baseline,
        current: m.current,
        target: m.target,
        progress: m.progress,
        health: m.health,
        measurements_count: m.measurements_count,
      };
    });
  return {
    taken_at: now,
    iteration_status: it.status === 'abandoned' ? 'abandoned' : 'closed',
    decision: it.decision,
    hypotheses,
    tracked_metrics: trackedMetrics,
  };
}

/**
 * Called inside the transaction that closes or abandons an iteration (`it` shows the new status):
 * its retrospective, if one was written, becomes read-only and keeps the snapshot for good. No
 * retrospective is created when none exists.
 */
export function freezeRetrospective(ctx: Ctx, it: IterationView): void {
  const repo = retrospectivesRepo(ctx.db);
  const current = repo.find(it.id);
  if (!current || current.frozenAt) return;
  const now = isoNow(ctx.clock);
  const snapshot = snapshotOf(ctx, it, now);
  repo.update(it.id, { snapshot, frozenAt: now, version: current.version + 1, updatedAt: now });
  recordActivity(ctx, {
    action: 'retrospective.frozen',
    entityType: 'retrospective',
    entityId: it.id,
    before: { frozen_at: null },
    after: { frozen_at: now, hypotheses: snapshot.hypotheses.length, tracked_metrics: snapshot.tracked_metrics.length },
  });
}
