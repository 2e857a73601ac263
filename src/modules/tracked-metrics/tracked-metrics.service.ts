import type { Ctx } from '../../lib/context';
import { isoNow } from '../../lib/clock';
import { newId } from '../../lib/ids';
import { inTransaction } from '../../lib/transaction';
import { assertIfMatch } from '../../http/etag';
import { conflict, frozen, notFound } from '../../http/problems';
import { toPage, type PageRequest } from '../../http/pagination';
import { recordActivity } from '../activity/activity.service';
import type { IterationRow } from '../iterations/iterations.repo';
import { assertIterationWritable, resolveIteration } from '../iterations/iterations.service';
import { resolveMetric } from '../metrics/metrics.service';
import { assertCentralMetric } from '../policy/policy.enforce';
import { currentValue, rollupOf } from '../measurements/rollup-value';
import { elapsedShare, healthOf, progressOf, type TimeBox } from './tracked-metrics.progress';
import { trackedMetricsRepo, type TrackedMetricRow, type TrackedMetricView } from './tracked-metrics.repo';
import type { TrackedMetric, TrackMetricInput, UpdateTrackedMetricInput } from './tracked-metrics.schemas';

type Clocked = Pick<Ctx, 'clock'>;

/** The final or present value of a tracked metric: its aggregation over the rollup, if any. */
export const currentOf = (v: TrackedMetricView): number | null => currentValue(v.aggregation, rollupOf(v));

/** Renders a view; current, progress and health are computed here, at the clock's now. */
export function toTrackedMetricDto(ctx: Clocked, box: TimeBox, v: TrackedMetricView): TrackedMetric {
  const current = currentOf(v);
  const progress = progressOf(current, v.baseline, v.target);
  const count = v.count ?? 0;
  return {
    id: v.id,
    iteration_id: v.iterationId,
    metric: {
      key: v.metricKey,
      name: v.metricName,
      unit: v.unit,
      currency_code: v.unit === 'currency' ? v.currencyCode : null,
      direction: v.direction,
      aggregation: v.aggregation,
      definition_version: v.definitionVersion,
    },
    baseline: v.baseline,
    target: v.target,
    current,
    measurements_count: count,
    last_observed_at: v.latestObservedAt,
    progress,
    health: healthOf(count, progress, elapsedShare(box, ctx.clock.now())),
    carried_from: v.carriedFrom,
    version: v.version,
    created_at: v.createdAt,
    updated_at: v.updatedAt,
  };
}

/** What the activity log keeps of a tracked metric: its own fields, not the computed ones. */
const snapshotOf = (v: Pick<TrackedMetricView, 'iterationId' | 'metricKey' | 'baseline' | 'target'>) => ({
  iteration_id: v.iterationId,
  metric: v.metricKey,
  baseline: v.baseline,
  target: v.target,
});

/**
 * Baselines and targets are the yardstick of a version: they are set while it is planned or
 * being built, and stay put once it is in review (and forever once closed or abandoned).
 */
function assertTargetsOpen(ctx: Ctx, it: IterationRow): void {
  assertIterationWritable(ctx, it);
  if (it.status !== 'planned' && it.status !== 'under_construction') {
    throw frozen(`set of tracked metrics of iteration v${it.number}`, it.status);
  }
}

function findTracked(ctx: Ctx, it: IterationRow, metricKey: string): TrackedMetricView {
  const v = trackedMetricsRepo(ctx.db).findByKey(it.id, metricKey);
  if (!v) throw notFound(`tracked metric of iteration v${it.number}`, metricKey);
  return v;
}

export function trackMetric(ctx: Ctx, iterationId: string, input: TrackMetricInput): TrackedMetric {
  return inTransaction(ctx.db, () => {
    const it = resolveIteration(ctx, iterationId);
    assertTargetsOpen(ctx, it);
    const metric = resolveMetric(ctx, input.metric);
    assertCentralMetric(ctx, metric, 'tracked metric');
    const repo = trackedMetricsRepo(ctx.db);
    if (repo.findByKey(it.id, metric.key)) {
      throw conflict(`Iteration v${it.number} already tracks '${metric.key}'; PATCH /v1/iterations/${it.id}/metrics/${metric.key} to change it.`);
    }
    const now = isoNow(ctx.clock);
    const row: TrackedMetricRow = {
      id: newId('tmt'),
      iterationId: it.id,
      metricId: metric.id,
      baseline: input.baseline ?? null,
      target: input.target ?? null,
      carriedFrom: null,
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    repo.insert(row);
    const view = repo.findByKey(it.id, metric.key)!;
    recordActivity(ctx, { action: 'tracked_metric.created', entityType: 'tracked_metric', entityId: row.id, before: null, after: snapshotOf(view) });
    return toTrackedMetricDto(ctx, it, view);
  });
}

export function listTrackedMetrics(ctx: Ctx, iterationId: string, page: PageRequest) {
  const it = resolveIteration(ctx, iterationId);
  const rows = trackedMetricsRepo(ctx.db).page(it.id, page);
  return toPage(rows, page.limit, (r) => r.id, (r) => toTrackedMetricDto(ctx, it, r));
}

export function getTrackedMetric(ctx: Ctx, iterationId: string, metricKey: string): TrackedMetric {
  const it = resolveIteration(ctx, iterationId);
  return toTrackedMetricDto(ctx, it, findTracked(ctx, it, metricKey));
}

export function updateTrackedMetric(
  ctx: Ctx,
  iterationId: string,
  metricKey: string,
  input: UpdateTrackedMetricInput,
  ifMatch?: string,
): TrackedMetric {
  return inTransaction(ctx.db, () => {
    const it = resolveIteration(ctx, iterationId);
    assertTargetsOpen(ctx, it);
    const current = findTracked(ctx, it, metricKey);
    assertIfMatch(ifMatch, current);
    const next = { ...current, baseline: input.baseline === undefined ? current.baseline : input.baseline, target: input.target === undefined ? current.target : input.target };
    if (next.baseline === current.baseline && next.target === current.target) return toTrackedMetricDto(ctx, it, current);
    const stamp = { version: current.version + 1, updatedAt: isoNow(ctx.clock) };
    trackedMetricsRepo(ctx.db).update(current.id, { baseline: next.baseline, target: next.target, ...stamp });
    const updated = { ...next, ...stamp };
    recordActivity(ctx, {
      action: 'tracked_metric.updated',
      entityType: 'tracked_metric',
      entityId: current.id,
      before: snapshotOf(current),
      after: snapshotOf(updated),
    });
    return toTrackedMetricDto(ctx, it, updated);
  });
}

export function untrackMetric(ctx: Ctx, iterationId: string, metricKey: string, ifMatch?: string): void {
  inTransaction(ctx.db, () => {
    const it = resolveIteration(ctx, iterationId);
    assertTargetsOpen(ctx, it);
    const current = findTracked(ctx, it, metricKey);
    assertIfMatch(ifMatch, current);
    trackedMetricsRepo(ctx.db).delete(current.id);
    recordActivity(ctx, { action: 'tracked_metric.deleted', entityType: 'tracked_metric', entityId: current.id, before: snapshotOf(current), after: null });
  });
}
