import type { ITERATION_STATUSES } from '../../db/schema';
import { ApiError } from '../../http/problems';
import { DAY_MS } from '../../lib/clock';

export type IterationStatus = (typeof ITERATION_STATUSES)[number];

/**
 * The lifecycle as data: planned -> under_construction -> in_review -> closed, and planned or
 * under_construction -> abandoned. Closed and abandoned are final ("frozen").
 */
export const TRANSITIONS = {
  start: { from: ['planned'], to: 'under_construction', event: 'iteration.started' },
  review: { from: ['under_construction'], to: 'in_review', event: 'iteration.review_started' },
  close: { from: ['in_review'], to: 'closed', event: 'iteration.closed' },
  abandon: { from: ['planned', 'under_construction'], to: 'abandoned', event: 'iteration.abandoned' },
} as const satisfies Record<string, { from: readonly IterationStatus[]; to: IterationStatus; event: string }>;

export type Action = keyof typeof TRANSITIONS;
export const ACTIONS = Object.keys(TRANSITIONS) as [Action, ...Action[]];

export const ACTIVE_STATUSES: readonly IterationStatus[] = ['under_construction', 'in_review'];
export const FROZEN_STATUSES: readonly IterationStatus[] = ['closed', 'abandoned'];

export const allowedActions = (status: IterationStatus): Action[] =>
  ACTIONS.filter((a) => (TRANSITIONS[a].from as readonly IterationStatus[]).includes(status));

/** A transition that the current status does not allow: 409 naming the status and the way forward. */
export function invalidTransition(action: Action, number: number, status: IterationStatus): ApiError {
  const allowed = allowedActions(status);
  const next = allowed.length ? `From ${status} it can: ${allowed.join(', ')}.` : `A ${status} iteration is final.`;
  return new ApiError('invalid_transition', `Iteration v${number} cannot ${action}: it is ${status}. ${next}`, {
    extensions: {
      current_status: status,
      allowed_actions: allowed,
      allowed_statuses: allowed.map((a) => TRANSITIONS[a].to),
    },
  });
}

/** Check-ins (or starts) before this instant make an active iteration stale: now minus the interval, as RFC 3339 UTC. */
export const staleCutoff = (now: Date, intervalDays: number): string => new Date(now.getTime() - intervalDays * DAY_MS).toISOString();

/**
 * The instant (epoch ms) from which the clock alone makes an active iteration counted from
 * `since` stale (see isStale); Infinity when it is stale already or has nothing to count from.
 */
export function staleFlipsAt(since: string | null, now: Date, intervalDays: number): number {
  if (since === null || since < staleCutoff(now, intervalDays)) return Infinity;
  return Date.parse(since) + intervalDays * DAY_MS + 1;
}

/**
 * An active iteration is stale when no check-in arrived within the interval, counting from its
 * latest check-in or, before the first one, from when it started. Timestamps are fixed-width
 * RFC 3339 UTC, so comparing them as text compares instants; SQL renderings use the same rule.
 */
export function isStale(
  it: { status: IterationStatus; startedAt: string | null; lastCheckInAt: string | null },
  now: Date,
  intervalDays: number,
): boolean {
  if (!ACTIVE_STATUSES.includes(it.status)) return false;
  const since = it.lastCheckInAt ?? it.startedAt;
  return since !== null && since < staleCutoff(now, intervalDays);
}
