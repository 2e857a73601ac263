import type { Ctx } from '../../lib/context';
import { isoNow } from '../../lib/clock';
import { newId } from '../../lib/ids';
import { inTransaction } from '../../lib/transaction';
import { assertIfMatch } from '../../http/etag';
import { notFound } from '../../http/problems';
import { toPage, type PageRequest } from '../../http/pagination';
import { recordActivity } from '../activity/activity.service';
import { resolveInitiative } from '../initiatives/initiatives.service';
import { resolveIteration, resolveWritableIteration } from '../iterations/iterations.service';
import { teamsService } from '../teams/teams.module';
import { actionItemsRepo, type ActionItemQuery, type ActionItemRow, type ActionItemView } from './action-items.repo';
import {
  RECURRING_AFTER,
  type ActionItem,
  type ActionItemFilters,
  type CreateActionItemInput,
  type UpdateActionItemInput,
} from './action-items.schemas';

export const toActionItemDto = (v: ActionItemView): ActionItem => ({
  id: v.id,
  iteration_id: v.iterationId,
  iteration_number: v.iterationNumber,
  initiative: { id: v.initiativeId, key: v.initiativeKey },
  team: { id: v.teamId, key: v.teamKey },
  title: v.title,
  owner: v.owner,
  due_on: v.dueOn,
  status: v.status,
  carried_from: v.carriedFrom,
  carried_to: v.carriedTo,
  times_carried: v.timesCarried,
  recurring: v.timesCarried >= RECURRING_AFTER,
  version: v.version,
  created_at: v.createdAt,
  updated_at: v.updatedAt,
});

/** What the activity log keeps of an action item: its own fields. */
export const actionItemSnapshot = (r: ActionItemRow) => ({
  iteration_id: r.iterationId,
  title: r.title,
  owner: r.owner,
  due_on: r.dueOn,
  status: r.status,
  carried_from: r.carriedFrom,
  times_carried: r.timesCarried,
});

function resolveActionItem(ctx: Pick<Ctx, 'db'>, id: string): ActionItemView {
  const v = actionItemsRepo(ctx.db).find(id);
  if (!v) throw notFound('action item', id);
  return v;
}

/** New items go into a version that has not ended: planned, under construction or in review. */
export function createActionItem(ctx: Ctx, iterationId: string, input: CreateActionItemInput): ActionItem {
  return inTransaction(ctx.db, () => {
    const gate = resolveWritableIteration(ctx, iterationId);
    const now = isoNow(ctx.clock);
    const row: ActionItemRow = {
      id: newId('aci'),
      iterationId: gate.id,
      title: input.title,
      owner: input.owner,
      dueOn: input.due_on,
      status: 'open',
      carriedFrom: null,
      timesCarried: 0,
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    const repo = actionItemsRepo(ctx.db);
    repo.insert(row);
    recordActivity(ctx, { action: 'action_item.created', entityType: 'action_item', entityId: row.id, before: null, after: actionItemSnapshot(row) });
    return toActionItemDto(repo.find(row.id)!);
  });
}

export const getActionItem = (ctx: Ctx, id: string): ActionItem => toActionItemDto(resolveActionItem(ctx, id));

/**
 * Changes an item while its version has not ended; a closed or abandoned version keeps its items
 * as they were (409 frozen), so what was done, dropped or left open there stays on record.
 */
export function updateActionItem(ctx: Ctx, id: string, input: UpdateActionItemInput, ifMatch?: string): ActionItem {
  return inTransaction(ctx.db, () => {
    const current = resolveActionItem(ctx, id);
    resolveWritableIteration(ctx, current.iterationId);
    assertIfMatch(ifMatch, current);
    const patch: Partial<ActionItemRow> = { title: input.title, owner: input.owner, dueOn: input.due_on, status: input.status };
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<ActionItemRow>;
    const changed = Object.entries(defined).some(([k, v]) => current[k as keyof ActionItemRow] !== v);
    if (!changed) return toActionItemDto(current);
    const next = { ...current, ...defined, version: current.version + 1, updatedAt: isoNow(ctx.clock) };
    actionItemsRepo(ctx.db).update(current.id, { ...defined, version: next.version, updatedAt: next.updatedAt });
    recordActivity(ctx, {
      action: 'action_item.updated',
      entityType: 'action_item',
      entityId: current.id,
      before: actionItemSnapshot(current),
      after: actionItemSnapshot(next),
    });
    return toActionItemDto(next);
  });
}

const ANY: ActionItemQuery = { teamId: null, initiativeId: null, iterationId: null, status: null, owner: null, recurring: null };

export function listIterationActionItems(ctx: Ctx, iterationId: string, status: ActionItemRow['status'] | undefined, page: PageRequest) {
  const it = resolveIteration(ctx, iterationId);
  const rows = actionItemsRepo(ctx.db).list({ ...ANY, iterationId: it.id, status: status ?? null }, page);
  return toPage(rows, page.limit, (r) => r.id, toActionItemDto);
}

/** Across initiatives: team and initiative are named by id or key (404 when unknown). */
export function listActionItems(ctx: Ctx, f: ActionItemFilters, page: PageRequest) {
  const q: ActionItemQuery = {
    ...ANY,
    teamId: f.team ? teamsService.resolve(ctx, f.team).id : null,
    initiativeId: f.initiative ? resolveInitiative(ctx, f.initiative).id : null,
    status: f.status ?? null,
    owner: f.owner ?? null,
    recurring: f.recurring === undefined ? null : f.recurring ? 1 : 0,
  };
  const rows = actionItemsRepo(ctx.db).list(q, page);
  return toPage(rows, page.limit, (r) => r.id, toActionItemDto);
}
