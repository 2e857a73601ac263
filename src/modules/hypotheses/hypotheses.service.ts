import type { Ctx } from '../../lib/context';
import { isoNow } from '../../lib/clock';
import { newId } from '../../lib/ids';
import { inTransaction } from '../../lib/transaction';
import { assertIfMatch } from '../../http/etag';
import { ApiError, notFound, validationFailed } from '../../http/problems';
import { toPage, type PageRequest } from '../../http/pagination';
import { recordActivity } from '../activity/activity.service';
import { ACTIVE_STATUSES } from '../iterations/iteration-lifecycle';
import type { IterationWriteGate } from '../iterations/iterations.repo';
import { resolveIteration, resolveWritableIteration } from '../iterations/iterations.service';
import { resolveMetric } from '../metrics/metrics.service';
import { assertCentralMetric } from '../policy/policy.enforce';
import { suggest } from './hypothesis-evaluation';
import { hypothesesRepo, type HypothesisRow, type HypothesisView } from './hypotheses.repo';
import { thresholdIssue, type CreateHypothesisInput, type Hypothesis, type UpdateHypothesisInput } from './hypotheses.schemas';

export function toHypothesisDto(v: HypothesisView, evaluatedAt: string): Hypothesis {
  const stored = v.reviewSuggestion;
  const decided = v.status === 'validated' || v.status === 'invalidated' || v.status === 'inconclusive' ? v.status : null;
  return {
    id: v.id,
    iteration_id: v.iterationId,
    statement: v.statement,
    metric: v.metricKey,
    operator: v.operator,
    threshold: v.threshold,
    min_measurements: v.minMeasurements,
    confidence: v.confidence,
    evidence: v.evidence,
    status: v.status,
    suggested_result: suggest(v, evaluatedAt),
    review_suggestion: stored?.review ?? null,
    concluded:
      decided && v.concludedAt && stored?.conclusion
        ? { result: decided, suggested_result: stored.conclusion, override_reason: v.overrideReason, concluded_at: v.concludedAt }
        : null,
    override_reason: v.overrideReason,
    concluded_at: v.concludedAt,
    carried_from: v.carriedFrom,
    version: v.version,
    created_at: v.createdAt,
    updated_at: v.updatedAt,
  };
}

/** What the activity log keeps of a hypothesis: its own state, not the suggestion computed at read time. */
export function hypothesisSnapshot(dto: Hypothesis): Record<string, unknown> {
  const { suggested_result: _s, ...own } = dto;
  return own;
}

/** The representation an ETag identifies: everything shown except the instant of evaluation. */
export const etagView = (dto: Hypothesis) => ({ ...dto, suggested_result: { ...dto.suggested_result, evaluated_at: undefined } });

export function resolveHypothesis(ctx: Pick<Ctx, 'db'>, id: string): HypothesisView {
  const v = hypothesesRepo(ctx.db).findView(id);
  if (!v) throw notFound('hypothesis', id);
  return v;
}

/** A hypothesis created in a running iteration is tested from the start. */
export const initialStatus = (iterationStatus: IterationWriteGate['status']): HypothesisRow['status'] =>
  ACTIVE_STATUSES.includes(iterationStatus) ? 'testing' : 'proposed';

/**
 * The gate of a test-card write: the caller writes for the initiative's team, and the iteration is
 * still planned or under construction. Closed and abandoned iterations are frozen (the shared
 * gate says so); from review on, the card is what is being judged and stays as it was.
 */
function assertCardWritable(ctx: Ctx, iterationId: string): IterationWriteGate {
  const gate = resolveWritableIteration(ctx, iterationId);
  if (gate.status === 'in_review') {
    throw new ApiError(
      'frozen',
      `Iteration v${gate.number} is in_review: its hypotheses' test cards can no longer change. Conclude them with POST /v1/hypotheses/{id}/conclude.`,
      { extensions: { current_status: gate.status } },
    );
  }
  return gate;
}

export function createHypothesis(ctx: Ctx, iterationId: string, input: CreateHypothesisInput): Hypothesis {
  return inTransaction(ctx.db, () => {
    const gate = assertCardWritable(ctx, iterationId);
    const metric = resolveMetric(ctx, input.metric);
    assertCentralMetric(ctx, metric, 'hypothesis');
    const now = isoNow(ctx.clock);
    const row: HypothesisRow = {
      id: newId('hyp'),
      iterationId: gate.id,
      statement: input.statement,
      metricId: metric.id,
      operator: input.operator,
      threshold: input.threshold ?? null,
      minMeasurements: input.min_measurements,
      confidence: input.confidence ?? null,
      evidence: input.evidence,
      status: initialStatus(gate.status),
      reviewSuggestion: null,
      overrideReason: null,
      concludedAt: null,
      carriedFrom: null,
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    const repo = hypothesesRepo(ctx.db);
    repo.insert(row);
    const dto = toHypothesisDto(resolveHypothesis(ctx, row.id), now);
    recordActivity(ctx, { action: 'hypothesis.created', entityType: 'hypothesis', entityId: row.id, before: null, after: hypothesisSnapshot(dto) });
    return dto;
  });
}

export function updateHypothesis(ctx: Ctx, id: string, input: UpdateHypothesisInput, ifMatch?: string): Hypothesis {
  return inTransaction(ctx.db, () => {
    const current = resolveHypothesis(ctx, id);
    assertCardWritable(ctx, current.iterationId);
    assertIfMatch(ifMatch, current);
    const now = isoNow(ctx.clock);
    const before = toHypothesisDto(current, now);
    const patch: Partial<HypothesisRow> = {
      statement: input.statement,
      metricId: input.metric === undefined ? undefined : centralIfRequired(ctx, resolveMetric(ctx, input.metric)).id,
      operator: input.operator,
      threshold: input.threshold,
      minMeasurements: input.min_measurements,
      confidence: input.confidence,
      evidence: input.evidence,
    };
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<HypothesisRow>;
    const next = { ...current, ...defined };
    const issue = thresholdIssue(next);
    if (issue) throw validationFailed([{ path: 'body.threshold', message: issue }]);
    const changed = Object.entries(defined).some(([k, v]) => current[k as keyof HypothesisRow] !== v);
    if (!changed) return before;
    hypothesesRepo(ctx.db).update(current.id, { ...defined, version: current.version + 1, updatedAt: now });
    const after = toHypothesisDto(resolveHypothesis(ctx, current.id), now);
    recordActivity(ctx, {
      action: 'hypothesis.updated',
      entityType: 'hypothesis',
      entityId: current.id,
      before: hypothesisSnapshot(before),
      after: hypothesisSnapshot(after),
    });
    return after;
  });
}

/** A hypothesis moved to another metric obeys require_central_metrics like a new one. */
function centralIfRequired<M extends Parameters<typeof assertCentralMetric>[1]>(ctx: Ctx, metric: M): M {
  assertCentralMetric(ctx, metric, 'hypothesis');
  return metric;
}

export const getHypothesis = (ctx: Ctx, id: string): Hypothesis => toHypothesisDto(resolveHypothesis(ctx, id), isoNow(ctx.clock));

export function listHypotheses(ctx: Ctx, iterationId: string, f: { status?: HypothesisRow['status'] }, page: PageRequest) {
  const iteration = resolveIteration(ctx, iterationId);
  const now = isoNow(ctx.clock);
  const rows = hypothesesRepo(ctx.db).list(iteration.id, f, page);
  return toPage(rows, page.limit, (r) => r.id, (r) => toHypothesisDto(r, now));
}
