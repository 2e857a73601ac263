import type { Ctx } from '../../lib/context';
import { isoNow } from '../../lib/clock';
import { inTransaction } from '../../lib/transaction';
import { assertIfMatch } from '../../http/etag';
import { ApiError, conflict } from '../../http/problems';
import { recordActivity } from '../activity/activity.service';
import { assertCarryable, carriedCounts, copyOpenItems, type Carried } from './iteration-carry-over';
import { iterationSnapshot, toIterationDto } from './iteration-dto';
import type { IterationItemKinds } from './iteration-items';
import { iterationsRepo, type IterationView } from './iterations.repo';
import type { Iteration } from './iterations.schemas';
import { assertIterationWritable, resolveIteration } from './iterations.service';

/**
 * Copies the open items of the version an iteration is based on, once that version is closed or
 * abandoned: the way to plan a version ahead (created with carry_over: false) without losing
 * what its predecessor leaves open. Happens at most once per iteration.
 */
export function carryOverInto(ctx: Ctx, kinds: IterationItemKinds, id: string, ifMatch?: string): Iteration & { carried: Carried[] } {
  return inTransaction(ctx.db, () => {
    const current = resolveIteration(ctx, id);
    assertIterationWritable(ctx, current);
    assertIfMatch(ifMatch, current);
    if (current.carriedOverAt) {
      throw conflict(`Open items were already carried into v${current.number} at ${current.carriedOverAt}.`, {
        carried_over_at: current.carriedOverAt,
      });
    }
    const repo = iterationsRepo(ctx.db);
    const from = current.basedOnId ? repo.findView(current.basedOnId) : undefined;
    if (!from) throw new ApiError('conflict', `v${current.number} is the first version; there is nothing to carry over.`);
    assertCarryable(from, current.number);

    const now = isoNow(ctx.clock);
    const before = toIterationDto(ctx, current);
    const patch = { carriedOverAt: now, version: current.version + 1, updatedAt: now };
    repo.update(current.id, patch);
    const updated: IterationView = { ...current, ...patch };
    const carried = copyOpenItems(ctx, kinds, from, updated);
    const after = toIterationDto(ctx, updated);
    recordActivity(ctx, {
      action: 'iteration.carried_over',
      entityType: 'iteration',
      entityId: current.id,
      before: iterationSnapshot(before),
      after: { ...iterationSnapshot(after), carried: carriedCounts(carried) },
    });
    return { ...after, carried };
  });
}
