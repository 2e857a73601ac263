import type { Ctx } from '../../lib/context';
import { isoNow } from '../../lib/clock';
import { newId } from '../../lib/ids';
import { inTransaction } from '../../lib/transaction';
import { ApiError, notFound } from '../../http/problems';
import { toPage, type PageRequest } from '../../http/pagination';
import { recordActivity } from '../activity/activity.service';
import { ACTIVE_STATUSES } from '../iterations/iteration-lifecycle';
import { resolveIteration, resolveWritableIteration } from '../iterations/iterations.service';
import { checkInsRepo, type CheckInRow } from './check-ins.repo';
import type { CheckIn } from './check-ins.schemas';

const toDto = (r: CheckInRow): CheckIn => ({
  id: r.id,
  iteration_id: r.iterationId,
  health: r.health,
  note: r.note,
  author: { key_id: r.authorKeyId, name: r.authorName },
  created_at: r.createdAt,
});

/** A check-in reports on work in progress: only an under_construction or in_review iteration takes one. */
export function createCheckIn(ctx: Ctx, iterationId: string, input: { health: CheckInRow['health']; note: string }): CheckIn {
  return inTransaction(ctx.db, () => {
    const iteration = resolveWritableIteration(ctx, iterationId);
    if (!ACTIVE_STATUSES.includes(iteration.status)) {
      throw new ApiError('invalid_transition', `Iteration v${iteration.number} is ${iteration.status}; start it before checking in.`, {
        extensions: { current_status: iteration.status, allowed_actions: ['start'] },
      });
    }
    const row: CheckInRow = {
      id: newId('chk'),
      iterationId: iteration.id,
      health: input.health,
      note: input.note,
      authorKeyId: ctx.actor.keyId,
      authorName: ctx.actor.name,
      createdAt: isoNow(ctx.clock),
    };
    checkInsRepo(ctx.db).insert(row);
    const dto = toDto(row);
    recordActivity(ctx, { action: 'check_in.created', entityType: 'check_in', entityId: row.id, before: null, after: dto });
    return dto;
  });
}

export function listCheckIns(ctx: Ctx, iterationId: string, page: PageRequest) {
  const iteration = resolveIteration(ctx, iterationId);
  const rows = checkInsRepo(ctx.db).list(iteration.id, { limit: page.limit, cursor: page.cursor });
  return toPage(rows, page.limit, (r) => r.id, toDto);
}

export function getCheckIn(ctx: Ctx, id: string): CheckIn {
  const row = checkInsRepo(ctx.db).findById(id);
  if (!row) throw notFound('check-in', id);
  return toDto(row);
}
