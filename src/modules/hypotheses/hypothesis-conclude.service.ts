import type { Ctx } from '../../lib/context';
import { isoNow } from '../../lib/clock';
import { inTransaction } from '../../lib/transaction';
import { assertIfMatch } from '../../http/etag';
import { ApiError } from '../../http/problems';
import { recordActivity } from '../activity/activity.service';
import { ACTIVE_STATUSES } from '../iterations/iteration-lifecycle';
import { resolveWritableIteration } from '../iterations/iterations.service';
import { hypothesesRepo } from './hypotheses.repo';
import type { ConcludeHypothesisInput, Hypothesis } from './hypotheses.schemas';
import { hypothesisSnapshot, resolveHypothesis, toHypothesisDto } from './hypotheses.service';

/**
 * A person decides the result: confirming the suggestion as it stands now, or overriding it with
 * a reason. Both facts are kept: the decision (status, override_reason, concluded_at) and the
 * suggestion it was made against. Possible while the iteration runs or is in review; the same
 * decision sent again returns the hypothesis unchanged.
 */
export function concludeHypothesis(ctx: Ctx, id: string, input: ConcludeHypothesisInput, ifMatch?: string): Hypothesis {
  return inTransaction(ctx.db, () => {
    const current = resolveHypothesis(ctx, id);
    const gate = resolveWritableIteration(ctx, current.iterationId);
    if (!ACTIVE_STATUSES.includes(gate.status)) {
      throw new ApiError('conflict', `Iteration v${gate.number} is ${gate.status}: start it before concluding its hypotheses.`, {
        extensions: { current_status: gate.status },
      });
    }
    const now = isoNow(ctx.clock);
    const before = toHypothesisDto(current, now);
    const reason = input.override_reason ?? null;
    if (current.concludedAt && current.status === input.result && current.overrideReason === reason) return before;
    assertIfMatch(ifMatch, current);

    const suggestion = before.suggested_result;
    if (input.result !== suggestion.result && reason === null) {
      throw new ApiError(
        'override_reason_required',
        `The suggested result is ${suggestion.result} (${suggestion.reason}). Concluding ${input.result} overrides it: send override_reason saying why.`,
        {
          errors: [{ path: 'body.override_reason', message: `required: ${input.result} differs from the suggested result ${suggestion.result}` }],
          extensions: { suggested_result: suggestion },
        },
      );
    }
    hypothesesRepo(ctx.db).update(current.id, {
      status: input.result,
      overrideReason: reason,
      concludedAt: now,
      reviewSuggestion: { review: current.reviewSuggestion?.review ?? null, conclusion: suggestion },
      version: current.version + 1,
      updatedAt: now,
    });
    const after = toHypothesisDto(resolveHypothesis(ctx, current.id), now);
    recordActivity(ctx, {
      action: 'hypothesis.concluded',
      entityType: 'hypothesis',
      entityId: current.id,
      before: hypothesisSnapshot(before),
      after: hypothesisSnapshot(after),
    });
    return after;
  });
}
