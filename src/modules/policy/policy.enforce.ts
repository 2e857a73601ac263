import { ApiError } from '../../http/problems';
import { DAY_MS } from '../../lib/clock';
import type { Action } from '../iterations/iteration-lifecycle';
import type { IterationRow } from '../iterations/iterations.repo';
import { currentPolicy, type PolicyCtx } from './policy.current';
import { retrospectivesRepo } from '../retrospectives/retrospectives.repo';
import { policyRepo } from './policy.repo';
import type { Rule } from './policy.schemas';

/**
 * The policy's checks, called by the services inside their write transactions before anything is
 * written: a broken rule is a 422 policy_violation naming it, and the transaction writes nothing.
 */
export const policyViolation = (rule: Rule, detail: string): ApiError =>
  new ApiError('policy_violation', detail, { extensions: { rule } });

/** require_central_metrics: what a tracked metric or a hypothesis names must be a central metric. */
export function assertCentralMetric(
  ctx: PolicyCtx,
  metric: { key: string; scope: 'central' | 'team'; teamKey: string | null },
  use: 'tracked metric' | 'hypothesis',
): void {
  if (metric.scope === 'central' || !currentPolicy(ctx).require_central_metrics) return;
  throw policyViolation(
    'require_central_metrics',
    `The policy requires central metrics: '${metric.key}' is a metric of team '${metric.teamKey ?? '?'}', so it cannot back a ${use}. ` +
      `Use a central metric (GET /v1/metrics?scope=central), or ask an admin to promote it (POST /v1/metrics/${metric.key}/promote).`,
  );
}

type TimeBox = Pick<IterationRow, 'number' | 'plannedStart' | 'plannedEnd'> & { id?: string; status?: IterationRow['status'] };

const daysOf = (box: TimeBox): number | null =>
  box.plannedStart && box.plannedEnd ? (Date.parse(box.plannedEnd) - Date.parse(box.plannedStart)) / DAY_MS : null;

/**
 * max_timebox_days: a planned time box may not last longer (creating and changing an iteration),
 * and a running iteration, which needed one to start, may not drop it.
 */
export function assertTimeBox(ctx: PolicyCtx, box: TimeBox): void {
  const max = currentPolicy(ctx).max_timebox_days;
  const days = daysOf(box);
  if (max !== null && days === null && (box.status === 'under_construction' || box.status === 'in_review')) {
    throw policyViolation(
      'max_timebox_days',
      `The policy requires a time box of at most ${max} days on a running iteration: keep both planned_start and planned_end on v${box.number}.`,
    );
  }
  if (max === null || days === null || days <= max) return;
  throw policyViolation(
    'max_timebox_days',
    `The policy allows time boxes of at most ${max} days; v${box.number} would last ${Math.round(days * 100) / 100} days. ` +
      `Move planned_end to ${new Date(Date.parse(box.plannedStart!) + max * DAY_MS).toISOString()} or earlier.`,
  );
}

/**
 * What the policy asks of a lifecycle transition: starting needs hypotheses, baselines and a time
 * box where the rules say so; closing needs a retrospective with a learning. Call it after the
 * status check and before the transition writes.
 */
export function assertTransitionAllowed(ctx: PolicyCtx, it: IterationRow, action: Action): void {
  if (action === 'start') assertCanStartByPolicy(ctx, it);
  if (action === 'close' && currentPolicy(ctx).require_retrospective_to_close && (retrospectivesRepo(ctx.db).find(it.id)?.learnings.length ?? 0) < 1) {
    throw policyViolation(
      'require_retrospective_to_close',
      `The policy requires a retrospective with at least one learning to close v${it.number}: ` +
        `write it with PUT /v1/iterations/${it.id}/retrospective (learnings: [{"observed": "...", "learned": "..."}]), then close.`,
    );
  }
}

function assertCanStartByPolicy(ctx: PolicyCtx, it: IterationRow): void {
  const policy = currentPolicy(ctx);
  if (policy.require_hypothesis_to_start || policy.require_baseline_to_start) {
    const facts = policyRepo(ctx.db).startFacts(it.id);
    if (policy.require_hypothesis_to_start && facts.hypotheses === 0) {
      throw policyViolation(
        'require_hypothesis_to_start',
        `The policy requires at least one hypothesis to start v${it.number}: state one with POST /v1/iterations/${it.id}/hypotheses, then start.`,
      );
    }
    if (policy.require_baseline_to_start && facts.tracked === 0) {
      throw policyViolation(
        'require_baseline_to_start',
        `The policy requires at least one tracked metric with a baseline and a target to start v${it.number}: ` +
          `add one with POST /v1/iterations/${it.id}/metrics {"metric": "...", "baseline": ..., "target": ...}, then start.`,
      );
    }
    if (policy.require_baseline_to_start && facts.incomplete !== null) {
      throw policyViolation(
        'require_baseline_to_start',
        `The policy requires a baseline and a target on every tracked metric to start v${it.number}; missing on: ${facts.incomplete}. ` +
          `Set them with PATCH /v1/iterations/${it.id}/metrics/{metric_key}, then start.`,
      );
    }
  }
  if (policy.max_timebox_days !== null) {
    if (!it.plannedStart || !it.plannedEnd) {
      throw policyViolation(
        'max_timebox_days',
        `The policy requires a time box of at most ${policy.max_timebox_days} days to start v${it.number}: ` +
          `set planned_start and planned_end with PATCH /v1/iterations/${it.id}, then start.`,
      );
    }
    assertTimeBox(ctx, it);
  }
}

/** required_initiative_attributes: an initiative carries each required key with a non-null value. */
export function assertInitiativeAttributes(ctx: PolicyCtx, attributes: Record<string, unknown>): void {
  const required = currentPolicy(ctx).required_initiative_attributes;
  const missing = required.filter((key) => !Object.hasOwn(attributes, key) || attributes[key] === null);
  if (missing.length === 0) return;
  throw policyViolation(
    'required_initiative_attributes',
    `The policy requires these initiative attributes: ${required.join(', ')}; missing: ${missing.join(', ')}. ` +
      `Send them in attributes, e.g. {"attributes": {"${missing[0]}": "..."}} (attributes replace the whole set on PATCH).`,
  );
}
