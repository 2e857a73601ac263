import type { Ctx } from '../../lib/context';
import { isoNow } from '../../lib/clock';
import { assertAdmin } from '../../lib/permissions';
import { inTransaction } from '../../lib/transaction';
import { assertIfMatch } from '../../http/etag';
import { recordActivity } from '../activity/activity.service';
import { currentPolicy, defaultRules } from './policy.current';
import { policyRepo } from './policy.repo';
import type { Policy, PolicyRules, PutPolicyInput } from './policy.schemas';

export const getPolicy = (ctx: Ctx): Policy => currentPolicy(ctx);

const rulesOf = ({ version: _v, updated_at: _u, ...rules }: Policy): PolicyRules => rules;

/**
 * Replaces the rule set (a rule left out returns to its default). If-Match checks the version the
 * admin read. The change and its activity row (the rules before and after) commit together, and
 * the write drops the read cache, so every later request, staleness included, obeys the new rules.
 * Tightening a rule changes no existing object: GET /v1/policy/violations reports them.
 */
export function updatePolicy(ctx: Ctx, input: PutPolicyInput, ifMatch?: string): Policy {
  assertAdmin(ctx.actor);
  return inTransaction(ctx.db, () => {
    const current = currentPolicy(ctx);
    assertIfMatch(ifMatch, current);
    const rules: PolicyRules = { ...defaultRules(ctx.config), ...input };
    if (JSON.stringify(rules) === JSON.stringify(rulesOf(current))) return current;
    const next: Policy = { ...rules, version: current.version + 1, updated_at: isoNow(ctx.clock) };
    policyRepo(ctx.db).update(JSON.stringify(rules), next.version, next.updated_at);
    recordActivity(ctx, { action: 'policy.updated', entityType: 'policy', entityId: 'policy', before: { ...current }, after: next });
    return next;
  });
}
