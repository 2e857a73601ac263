import type { Ctx } from '../../lib/context';
import { checkinIntervalDays } from '../policy/policy.current';
import { allowedActions, isStale } from './iteration-lifecycle';
import type { IterationView } from './iterations.repo';
import type { CurrentIteration, Iteration } from './iterations.schemas';

type Clocked = Pick<Ctx, 'db' | 'clock' | 'config'>;

const staleNow = (ctx: Clocked, v: IterationView) => isStale(v, ctx.clock.now(), checkinIntervalDays(ctx));

export const toIterationDto = (ctx: Clocked, v: IterationView): Iteration => ({
  id: v.id,
  initiative: { id: v.initiativeId, key: v.initiativeKey },
  number: v.number,
  title: v.title,
  goal: v.goal,
  planned_start: v.plannedStart,
  planned_end: v.plannedEnd,
  status: v.status,
  started_at: v.startedAt,
  review_started_at: v.reviewStartedAt,
  closed_at: v.closedAt,
  abandoned_at: v.abandonedAt,
  decision: v.decision,
  outcome: v.outcome,
  based_on: v.basedOnId && v.basedOnNumber !== null ? { id: v.basedOnId, number: v.basedOnNumber } : null,
  carried_over_at: v.carriedOverAt,
  health: v.health,
  stale: staleNow(ctx, v),
  last_check_in_at: v.lastCheckInAt,
  allowed_actions: allowedActions(v.status),
  version: v.version,
  created_at: v.createdAt,
  updated_at: v.updatedAt,
});

/** What the activity log keeps of an iteration: its own fields, not what is derived from the clock or other rows. */
export function iterationSnapshot(dto: Iteration): Record<string, unknown> {
  const { allowed_actions: _a, stale: _s, health: _h, last_check_in_at: _l, ...own } = dto;
  return own;
}

export const toCurrentIteration = (ctx: Clocked, v: IterationView): CurrentIteration => ({
  id: v.id,
  number: v.number,
  status: v.status,
  health: v.health,
  stale: staleNow(ctx, v),
  planned_start: v.plannedStart,
  planned_end: v.plannedEnd,
});
