import type { Ctx } from '../../lib/context';
import { isoNow } from '../../lib/clock';
import { inTransaction } from '../../lib/transaction';
import { assertIfMatch } from '../../http/etag';
import { ApiError } from '../../http/problems';
import { recordActivity } from '../activity/activity.service';
import type { IterationView } from '../iterations/iterations.repo';
import { assertIterationWritable, resolveIteration } from '../iterations/iterations.service';
import { retrospectivesRepo, type RetrospectiveRow } from './retrospectives.repo';
import type { PutRetrospectiveInput, Retrospective, RetrospectiveSnapshot } from './retrospectives.schemas';

export const toRetrospectiveDto = (r: RetrospectiveRow): Retrospective => ({
  iteration_id: r.iterationId,
  went_well: r.wentWell,
  to_improve: r.toImprove,
  learnings: r.learnings,
  decision: r.decision,
  decision_reason: r.decisionReason,
  snapshot: (r.snapshot as RetrospectiveSnapshot | null) ?? null,
  frozen_at: r.frozenAt,
  version: r.version,
  created_at: r.createdAt,
  updated_at: r.updatedAt,
});

/** What the activity log keeps of a retrospective: the card the team wrote. */
const cardOf = (dto: Retrospective) => ({
  iteration_id: dto.iteration_id,
  went_well: dto.went_well,
  to_improve: dto.to_improve,
  learnings: dto.learnings,
  decision: dto.decision,
  decision_reason: dto.decision_reason,
});

export function getRetrospective(ctx: Ctx, iterationId: string): Retrospective {
  const it = resolveIteration(ctx, iterationId);
  const row = retrospectivesRepo(ctx.db).find(it.id);
  if (!row) {
    throw new ApiError('not_found', `Iteration v${it.number} has no retrospective yet; PUT /v1/iterations/${it.id}/retrospective to write one.`);
  }
  return toRetrospectiveDto(row);
}

/**
 * A retrospective is written while the version runs or is in review: before the start there is
 * nothing to look back on, and once the version ended it is frozen (the shared gate says so).
 */
function assertRetrospectiveWritable(ctx: Ctx, it: IterationView): void {
  assertIterationWritable(ctx, it);
  if (it.status === 'planned') {
    throw new ApiError('conflict', `Iteration v${it.number} is planned: start it before writing its retrospective.`, {
      extensions: { current_status: it.status },
    });
  }
}

/**
 * Creates or replaces the retrospective of an iteration. Replacing needs If-Match (428 without
 * it), so that two people editing the card cannot silently overwrite each other.
 */
export function putRetrospective(
  ctx: Ctx,
  iterationId: string,
  input: PutRetrospectiveInput,
  ifMatch?: string,
): { retrospective: Retrospective; created: boolean } {
  return inTransaction(ctx.db, () => {
    const it = resolveIteration(ctx, iterationId);
    assertRetrospectiveWritable(ctx, it);
    const repo = retrospectivesRepo(ctx.db);
    const current = repo.find(it.id);
    const now = isoNow(ctx.clock);
    const card = {
      wentWell: input.went_well,
      toImprove: input.to_improve,
      learnings: input.learnings,
      decision: input.decision ?? null,
      decisionReason: input.decision_reason,
    };
    if (!current) {
      if (ifMatch !== undefined) {
        throw new ApiError('precondition_failed', `Iteration v${it.number} has no retrospective yet; send the PUT without If-Match to create it.`);
      }
      const row: RetrospectiveRow = { iterationId: it.id, ...card, snapshot: null, frozenAt: null, version: 1, createdAt: now, updatedAt: now };
      repo.insert(row);
      const dto = toRetrospectiveDto(row);
      recordActivity(ctx, { action: 'retrospective.created', entityType: 'retrospective', entityId: it.id, before: null, after: cardOf(dto) });
      return { retrospective: dto, created: true };
    }
    if (ifMatch === undefined) {
      throw new ApiError(
        'precondition_required',
        `The retrospective of v${it.number} exists: GET it and send its ETag in If-Match to replace it (so no one's edit is lost).`,
        { extensions: { current_version: current.version } },
      );
    }
    assertIfMatch(ifMatch, current);
    const before = toRetrospectiveDto(current);
    const next = { ...current, ...card };
    if (JSON.stringify(cardOf(toRetrospectiveDto(next))) === JSON.stringify(cardOf(before))) return { retrospective: before, created: false };
    const stamp = { version: current.version + 1, updatedAt: now };
    repo.update(it.id, { ...card, ...stamp });
    const after = toRetrospectiveDto({ ...next, ...stamp });
    recordActivity(ctx, { action: 'retrospective.updated', entityType: 'retrospective', entityId: it.id, before: cardOf(before), after: cardOf(after) });
    return { retrospective: after, created: false };
  });
}
