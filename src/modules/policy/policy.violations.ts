import type { Ctx } from '../../lib/context';
import { toPage, type Page, type PageRequest } from '../../http/pagination';
import { staleCutoff } from '../iterations/iteration-lifecycle';
import { currentPolicy } from './policy.current';
import { policyRepo, type ViolationRow } from './policy.repo';
import type { Policy, PolicyViolation, Rule } from './policy.schemas';

/** The words of a violation: what breaks the rule, and what to do about it. */
function detailOf(r: ViolationRow, policy: Policy): string {
  switch (r.rule) {
    case 'require_central_metrics':
      return `Uses the team metric '${String(r.info)}'; the policy requires central metrics. Replace it with a central metric, or ask an admin to promote '${String(r.info)}'.`;
    case 'require_hypothesis_to_start':
      return 'Running without a hypothesis; the policy requires one to start. State one with POST /v1/iterations/{id}/hypotheses.';
    case 'require_baseline_to_start':
      return r.entity_type === 'iteration'
        ? 'Running without a tracked metric; the policy requires one with a baseline and a target. Add one with POST /v1/iterations/{id}/metrics.'
        : `Tracks '${String(r.info)}' without a baseline or a target; the policy requires both. Set them with PATCH /v1/iterations/{id}/metrics/${String(r.info)}.`;
    case 'require_retrospective_to_close':
      return 'In review without a retrospective holding a learning; the policy requires one to close. Write it with PUT /v1/iterations/{id}/retrospective.';
    case 'max_timebox_days':
      return r.info === null
        ? `Running without a time box; the policy requires one of at most ${String(policy.max_timebox_days)} days. Set planned_start and planned_end.`
        : `Time box of ${String(r.info)} days; the policy allows at most ${String(policy.max_timebox_days)}. Move planned_end earlier.`;
    case 'checkin_interval_days':
      return `No check-in since ${String(r.info)}; the policy asks for one every ${policy.checkin_interval_days} days. Post one with POST /v1/iterations/{id}/check-ins.`;
    case 'required_initiative_attributes':
      return `Missing required attributes: ${(JSON.parse(String(r.info)) as string[]).join(', ')}. Add them with PATCH /v1/initiatives/{id} {"attributes": {...}}.`;
  }
}

/**
 * What is out of policy now, computed by one query over everything still in play (initiatives not
 * archived; iterations planned, under construction or in review, and what they hold). Tightening a
 * rule rewrites nothing: it only shows up here. Ordered by rule, then entity id.
 */
export function listViolations(ctx: Ctx, filter: { rule?: Rule }, page: PageRequest): Page<PolicyViolation> {
  const policy = currentPolicy(ctx);
  const rows = policyRepo(ctx.db).violations({
    central: Number(policy.require_central_metrics),
    hypothesis: Number(policy.require_hypothesis_to_start),
    baseline: Number(policy.require_baseline_to_start),
    retro: Number(policy.require_retrospective_to_close),
    max_days: policy.max_timebox_days,
    stale_before: staleCutoff(ctx.clock.now(), policy.checkin_interval_days),
    required: JSON.stringify(policy.required_initiative_attributes),
    rule: filter.rule ?? null,
    after: page.cursor ?? null,
    limit: page.limit + 1,
  });
  return toPage(rows, page.limit, (r) => r.sort_key, (r) => ({
    rule: r.rule,
    entity_type: r.entity_type,
    entity_id: r.entity_id,
    detail: detailOf(r, policy).replaceAll('{id}', r.path_id),
  }));
}
