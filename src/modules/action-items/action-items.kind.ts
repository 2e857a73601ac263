import { isoNow } from '../../lib/clock';
import { newId } from '../../lib/ids';
import { recordActivity } from '../activity/activity.service';
import type { IterationItemKind } from '../iterations/iteration-items';
import { actionItemsRepo, type ActionItemRow } from './action-items.repo';
import { actionItemSnapshot } from './action-items.service';

/**
 * Action items as an iteration item. Open items move on to the next version, each copy naming
 * the item it was carried from and counting one more carry (times_carried); done and dropped
 * items stay where they were finished. The original stays in its ended version, as it was.
 */
export const actionItemsKind: IterationItemKind = {
  kind: 'action_items',

  carryOver(ctx, from, to) {
    const repo = actionItemsRepo(ctx.db);
    const now = isoNow(ctx.clock);
    return repo
      .rowsOf(from.id)
      .filter((a) => a.status === 'open')
      .map((a) => {
        const copy: ActionItemRow = {
          ...a,
          id: newId('aci'),
          iterationId: to.id,
          carriedFrom: a.id,
          timesCarried: a.timesCarried + 1,
          version: 1,
          createdAt: now,
          updatedAt: now,
        };
        repo.insert(copy);
        recordActivity(ctx, { action: 'action_item.carried', entityType: 'action_item', entityId: copy.id, before: null, after: actionItemSnapshot(copy) });
        return { id: copy.id, carried_from: a.id };
      });
  },

  // times_carried is left out: it grows with every carry, which is not a change of the item.
  snapshot: (ctx, iteration) =>
    actionItemsRepo(ctx.db)
      .lineagesOf(iteration.id)
      .map((a) => ({ lineage: a.lineage, id: a.id, fields: { title: a.title, owner: a.owner, due_on: a.dueOn, status: a.status } })),
};
