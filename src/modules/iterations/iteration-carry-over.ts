import type { Ctx } from '../../lib/context';
import { ApiError } from '../../http/problems';
import type { CarriedItem, IterationItemKinds } from './iteration-items';
import { FROZEN_STATUSES } from './iteration-lifecycle';
import type { IterationRow } from './iterations.repo';

export interface Carried {
  kind: string;
  items: CarriedItem[];
}

/**
 * Open items of a version still in play cannot be carried yet: they would live on twice, once
 * where they are still being worked on and once in the copy.
 */
export function assertCarryable(from: IterationRow, intoNumber: number): void {
  if (FROZEN_STATUSES.includes(from.status)) return;
  throw new ApiError(
    'conflict',
    `v${from.number} is still ${from.status}: close or abandon it before carrying its open items into v${intoNumber}. ` +
      'To plan ahead, send "carry_over": false now and POST /v1/iterations/{id}/carry-over once it is closed.',
    { extensions: { previous_iteration: { id: from.id, number: from.number, status: from.status } } },
  );
}

/**
 * Every registered kind copies its open items; runs inside the caller's transaction. Only kinds
 * that carried something are listed, so `carried` says what was carried and stays the same as
 * kinds are added.
 */
export const copyOpenItems = (ctx: Ctx, kinds: IterationItemKinds, from: IterationRow, to: IterationRow): Carried[] =>
  kinds
    .all()
    .map((k) => ({ kind: k.kind, items: k.carryOver(ctx, from, to) }))
    .filter((c) => c.items.length > 0);

/** What the activity log keeps of a carry-over. */
export const carriedCounts = (carried: Carried[]) => carried.map((c) => ({ kind: c.kind, count: c.items.length }));
