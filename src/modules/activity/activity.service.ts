import type { Ctx } from '../../lib/context';
import { isoNow } from '../../lib/clock';
import { newId } from '../../lib/ids';
import { changedFields } from '../../lib/changes';
import { toPage, type PageRequest } from '../../http/pagination';
import { activityRepo, type ActivityFilters, type ActivityRow } from './activity.repo';
import type { ActivityEntry } from './activity.schemas';

export interface Change {
  action: string;
  entityType: string;
  entityId: string;
  /** Snapshots of the entity; for updates only the fields that differ are kept. */
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

/** Appends one activity row. Call inside the transaction of the change it records. */
export function recordActivity(ctx: Pick<Ctx, 'db' | 'clock' | 'actor' | 'requestId'>, change: Change): void {
  const diff = change.before && change.after ? changedFields(change.before, change.after) : change;
  activityRepo(ctx.db).insert({
    id: newId('act'),
    at: isoNow(ctx.clock),
    actorKeyId: ctx.actor.keyId,
    actorName: ctx.actor.name,
    action: change.action,
    entityType: change.entityType,
    entityId: change.entityId,
    requestId: ctx.requestId,
    before: diff.before,
    after: diff.after,
  });
}

const toEntry = (r: ActivityRow): ActivityEntry => ({
  id: r.id,
  at: r.at,
  actor: { key_id: r.actorKeyId, name: r.actorName },
  action: r.action,
  entity_type: r.entityType,
  entity_id: r.entityId,
  request_id: r.requestId,
  before: r.before ?? null,
  after: r.after ?? null,
});

/** Key management is an admin matter: other roles do not see API key activity. */
const ADMIN_ONLY_ENTITIES = ['api_key'];

export function listActivity(ctx: Ctx, filters: ActivityFilters, page: PageRequest) {
  const hidden = ctx.actor.role === 'admin' ? [] : ADMIN_ONLY_ENTITIES;
  const rows = activityRepo(ctx.db).list({ ...filters, hidden }, page);
  return toPage(rows, page.limit, (r) => r.id, toEntry);
}
