import type { Ctx } from '../../lib/context';
import { isoNow } from '../../lib/clock';
import { inTransaction } from '../../lib/transaction';
import { assertIfMatch } from '../../http/etag';
import { ApiError, conflict } from '../../http/problems';
import { recordActivity } from '../activity/activity.service';
import type { InitiativeView } from '../initiatives/initiatives.repo';
import { assertInitiativeWritable, resolveInitiative, setInitiativeStatus } from '../initiatives/initiatives.service';
import { closingDecision, freezeRetrospective } from '../retrospectives/retrospective-close';
import { assertTransitionAllowed } from '../policy/policy.enforce';
import { iterationSnapshot, toIterationDto } from './iteration-dto';
import type { IterationItemKinds } from './iteration-items';
import { invalidTransition, TRANSITIONS, type Action } from './iteration-lifecycle';
import { iterationsRepo, type IterationRow, type IterationView } from './iterations.repo';
import type { Iteration } from './iterations.schemas';
import { resolveIteration } from './iterations.service';

export interface TransitionInput {
  ifMatch?: string;
  decision?: NonNullable<IterationRow['decision']>;
  outcome?: string;
}

const INITIATIVE_STATUS_AFTER = { adopt: 'adopted', stop: 'stopped' } as const;

/** What each action writes besides the status. */
function stampsFor(action: Action, now: string, input: TransitionInput): Partial<IterationRow> {
  switch (action) {
    case 'start':
      return { startedAt: now };
    case 'review':
      return { reviewStartedAt: now };
    case 'close':
      return { closedAt: now, decision: input.decision, ...(input.outcome !== undefined ? { outcome: input.outcome } : {}) };
    case 'abandon':
      return { abandonedAt: now, ...(input.outcome !== undefined ? { outcome: input.outcome } : {}) };
  }
}

/**
 * Moves an iteration along its lifecycle. Repeating the transition that led to the current status
 * returns the iteration unchanged (closing again needs the same decision); anything else the status
 * does not allow is a 409 naming the current status and the allowed actions. Registered item kinds
 * see each transition inside its transaction and may refuse it.
 */
export function transitionIteration(ctx: Ctx, kinds: IterationItemKinds, id: string, action: Action, input: TransitionInput = {}): Iteration {
  return inTransaction(ctx.db, () => {
    const current = resolveIteration(ctx, id);
    // Permission first, also for retries; closed and abandoned allow no action, so the
    // transition table itself guards frozen history.
    const initiative = resolveInitiative(ctx, current.initiativeId);
    assertInitiativeWritable(ctx, initiative);
    // A close may take its decision from the retrospective, and may not contradict it (retries included).
    if (action === 'close') input = { ...input, decision: closingDecision(ctx, current, input.decision) };
    const { to, from, event } = TRANSITIONS[action];
    // A retry of what already happened succeeds unchanged, even with a now-stale If-Match
    // (RFC 9110 13.1.1 allows reporting a state change that already took place).
    if (current.status === to) {
      assertSameRetry(current, action, input);
      return toIterationDto(ctx, current);
    }
    assertIfMatch(input.ifMatch, current);
    if (!(from as readonly string[]).includes(current.status)) throw invalidTransition(action, current.number, current.status);
    assertTransitionAllowed(ctx, current, action);

    const repo = iterationsRepo(ctx.db);
    if (action === 'start') assertCanStart(initiative, current, repo.activeOf(current.initiativeId));
    const before = toIterationDto(ctx, current);
    const now = isoNow(ctx.clock);
    const patch = { status: to, ...stampsFor(action, now, input), version: current.version + 1, updatedAt: now };
    repo.update(current.id, patch);
    const updated = { ...current, ...patch } as IterationView;
    for (const kind of kinds.all()) kind.onTransition?.(ctx, updated, action);
    if (action === 'close' || action === 'abandon') freezeRetrospective(ctx, updated);
    const after = toIterationDto(ctx, updated);
    recordActivity(ctx, {
      action: event,
      entityType: 'iteration',
      entityId: current.id,
      before: iterationSnapshot(before),
      after: iterationSnapshot(after),
    });

    if (action === 'close' && (input.decision === 'adopt' || input.decision === 'stop')) {
      setInitiativeStatus(ctx, initiative, INITIATIVE_STATUS_AFTER[input.decision]);
    }
    return after;
  });
}

/** A completed initiative runs no iteration, and at most one runs at a time. */
function assertCanStart(initiative: InitiativeView, current: IterationView, active: IterationRow | undefined): void {
  if (initiative.status !== 'active') {
    throw new ApiError(
      'conflict',
      `Initiative '${initiative.key}' is ${initiative.status}; reopen it with PATCH {"status": "active"} before starting v${current.number}.`,
      { extensions: { initiative_status: initiative.status } },
    );
  }
  if (active) {
    throw conflict(
      `Iteration v${active.number} of '${initiative.key}' is already ${active.status}; close or abandon it before starting v${current.number}.`,
      { active_iteration: { id: active.id, number: active.number, status: active.status } },
    );
  }
}

function assertSameRetry(current: IterationView, action: Action, input: TransitionInput): void {
  if (action === 'close' && input.decision !== current.decision) {
    throw new ApiError(
      'conflict',
      `Iteration v${current.number} is already closed with decision '${current.decision}'; a closed iteration cannot change.`,
      { extensions: { current_status: current.status, decision: current.decision } },
    );
  }
}
