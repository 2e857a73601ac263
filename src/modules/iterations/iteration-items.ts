import type { Ctx } from '../../lib/context';
import type { Action } from './iteration-lifecycle';
import type { IterationRow } from './iterations.repo';

/** One copied item: the new item's id and the id it was copied from. */
export interface CarriedItem {
  id: string;
  carried_from: string;
}

/** An item as a diff sees it. `lineage` is the same for an item and all its carried copies. */
export interface ItemSnapshot {
  lineage: string;
  id: string;
  fields: Record<string, unknown>;
}

/**
 * A kind of work item that lives under an iteration (hypotheses, tracked metrics, action items).
 * Each kind brings its own carry-over rule and its own snapshot for diffs, and registers itself
 * with the app's IterationItemKinds; the iterations module knows none of them by name.
 * Writes to a kind's items go through assertIterationWritable, so frozen history stays frozen.
 */
export interface IterationItemKind {
  /** Plural, snake_case name used in responses: `hypotheses`. */
  kind: string;
  /**
   * Copies the items of `from` that are still open into `to`, recording `carried_from` on each
   * copy. Runs inside the transaction that creates `to`: synchronous, and a throw undoes it all.
   */
  carryOver(ctx: Ctx, from: IterationRow, to: IterationRow): CarriedItem[];
  snapshot(ctx: Ctx, iteration: IterationRow): ItemSnapshot[];
  /**
   * Called inside the transition's transaction, after the status changed (`iteration` shows the new
   * status): a kind may react (evaluate hypotheses on review) or refuse by throwing an ApiError,
   * which undoes the transition.
   */
  onTransition?(ctx: Ctx, iteration: IterationRow, action: Action): void;
}

export class IterationItemKinds {
  private readonly kinds = new Map<string, IterationItemKind>();

  register(kind: IterationItemKind): void {
    if (this.kinds.has(kind.kind)) throw new Error(`Iteration item kind '${kind.kind}' is registered twice`);
    this.kinds.set(kind.kind, kind);
  }

  all(): IterationItemKind[] {
    return [...this.kinds.values()];
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Item kinds under iterations; feature modules register theirs at startup. */
    iterationItems: IterationItemKinds;
  }
}
