import type { Ctx } from '../../lib/context';
import { isoNow } from '../../lib/clock';
import { newId } from '../../lib/ids';
import { inTransaction } from '../../lib/transaction';
import { assertIfMatch } from '../../http/etag';
import { ApiError, frozen, notFound, validationFailed } from '../../http/problems';
import { toPage, type PageRequest } from '../../http/pagination';
import { recordActivity } from '../activity/activity.service';
import { assertTimeBox } from '../policy/policy.enforce';
import { assertInitiativeWritable, resolveInitiative } from '../initiatives/initiatives.service';
import type { InitiativeView } from '../initiatives/initiatives.repo';
import { iterationSnapshot, toIterationDto } from './iteration-dto';
import type { IterationItemKinds } from './iteration-items';
import { FROZEN_STATUSES } from './iteration-lifecycle';
import { assertCarryable, carriedCounts, copyOpenItems } from './iteration-carry-over';
import { iterationsRepo, type IterationRow, type IterationView, type IterationWriteGate } from './iterations.repo';
import { endAfterStart, type CreateIterationInput, type Iteration, type UpdateIterationInput } from './iterations.schemas';

export function resolveIteration(ctx: Pick<Ctx, 'db'>, id: string): IterationView {
  const v = iterationsRepo(ctx.db).findView(id);
  if (!v) throw notFound('iteration', id);
  return v;
}

/**
 * The gate for any change to an iteration or to anything under it: the caller writes for the
 * initiative's team, the initiative is not archived, and the iteration is not frozen.
 */
export function assertIterationWritable(ctx: Ctx, it: IterationRow): InitiativeView {
  const initiative = resolveInitiative(ctx, it.initiativeId);
  assertInitiativeWritable(ctx, initiative);
  if (FROZEN_STATUSES.includes(it.status)) throw frozen(`iteration v${it.number}`, it.status);
  return initiative;
}

/**
 * The gate of a one-row write under an iteration (a check-in, later a measurement), in one
 * statement: the iteration exists, the caller writes for its team, the initiative is not archived
 * and the iteration is not frozen.
 */
export function resolveWritableIteration(ctx: Ctx, id: string): IterationWriteGate {
  const gate = iterationsRepo(ctx.db).writeGate(id);
  if (!gate) throw notFound('iteration', id);
  assertInitiativeWritable(ctx, gate);
  if (FROZEN_STATUSES.includes(gate.status)) throw frozen(`iteration v${gate.number}`, gate.status);
  return gate;
}

export const getIteration = (ctx: Ctx, id: string): Iteration => toIterationDto(ctx, resolveIteration(ctx, id));

export function listIterations(
  ctx: Ctx,
  initiativeRef: string,
  filters: { status?: IterationRow['status']; order: 'asc' | 'desc' },
  page: PageRequest<number>,
) {
  const initiative = resolveInitiative(ctx, initiativeRef);
  const rows = iterationsRepo(ctx.db).list(initiative.id, filters, page);
  return toPage(rows, page.limit, (r) => r.number, (r) => toIterationDto(ctx, r));
}

/**
 * Creates the next version. Numbers follow the highest ever assigned, so an abandoned number is
 * never reused. Unless `carry_over` is false, every registered item kind copies its open items
 * from the previous version, in the same transaction.
 */
export function createIteration(ctx: Ctx, kinds: IterationItemKinds, initiativeRef: string, input: CreateIterationInput) {
  return inTransaction(ctx.db, () => {
    const initiative = resolveInitiative(ctx, initiativeRef);
    assertInitiativeWritable(ctx, initiative);
    if (initiative.status !== 'active') {
      throw new ApiError(
        'conflict',
        `Initiative '${initiative.key}' is ${initiative.status}; set its status to active (PATCH) before planning another iteration.`,
        { extensions: { initiative_status: initiative.status } },
      );
    }
    const repo = iterationsRepo(ctx.db);
    const previous = repo.latestOf(initiative.id);
    const carrying = previous !== undefined && input.carry_over;
    if (carrying) assertCarryable(previous, previous.number + 1);
    const number = (previous?.number ?? 0) + 1;
    assertTimeBox(ctx, { number, plannedStart: input.planned_start, plannedEnd: input.planned_end });
    const now = isoNow(ctx.clock);
    const row: IterationRow = {
      id: newId('itr'),
      initiativeId: initiative.id,
      number,
      title: input.title ?? `v${number}`,
      goal: input.goal,
      plannedStart: input.planned_start,
      plannedEnd: input.planned_end,
      status: 'planned',
      startedAt: null,
      reviewStartedAt: null,
      closedAt: null,
      abandonedAt: null,
      decision: null,
      outcome: null,
      carriedOverAt: carrying ? now : null,
      basedOnId: previous?.id ?? null,
      lastCheckInAt: null,
      lastHealth: null,
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    repo.insert(row);
    const carried = carrying ? copyOpenItems(ctx, kinds, previous, row) : [];
    const dto = toIterationDto(ctx, resolveIteration(ctx, row.id));
    recordActivity(ctx, {
      action: 'iteration.created',
      entityType: 'iteration',
      entityId: row.id,
      before: null,
      after: { ...iterationSnapshot(dto), carried: carriedCounts(carried) },
    });
    return { ...dto, carried };
  });
}

export function updateIteration(ctx: Ctx, id: string, input: UpdateIterationInput, ifMatch?: string): Iteration {
  return inTransaction(ctx.db, () => {
    const current = resolveIteration(ctx, id);
    assertIterationWritable(ctx, current);
    const before = toIterationDto(ctx, current);
    assertIfMatch(ifMatch, before);
    const patch: Partial<IterationRow> = {
      title: input.title,
      goal: input.goal,
      plannedStart: input.planned_start,
      plannedEnd: input.planned_end,
      outcome: input.outcome,
    };
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<IterationRow>;
    const next = { ...current, ...defined };
    if (!endAfterStart({ planned_start: next.plannedStart, planned_end: next.plannedEnd })) {
      throw validationFailed([{ path: 'body.planned_end', message: 'planned_end must be after planned_start' }]);
    }
    if (defined.plannedStart !== undefined || defined.plannedEnd !== undefined) assertTimeBox(ctx, next);
    const changed = Object.entries(defined).some(([k, v]) => current[k as keyof IterationRow] !== v);
    if (!changed) return before;
    const stamp = { version: current.version + 1, updatedAt: isoNow(ctx.clock) };
    iterationsRepo(ctx.db).update(current.id, { ...defined, ...stamp });
    const after = toIterationDto(ctx, { ...next, ...stamp });
    recordActivity(ctx, { action: 'iteration.updated', entityType: 'iteration', entityId: current.id, before: iterationSnapshot(before), after: iterationSnapshot(after) });
    return after;
  });
}
