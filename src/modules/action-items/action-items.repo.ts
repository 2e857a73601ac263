import { eq, sql } from 'drizzle-orm';
import { actionItems } from '../../db/schema';
import type { Db } from '../../db/client';
import { perDb } from '../../lib/per-db';
import { carriedChain } from '../iterations/item-lineage.sql';
import type { IterationRow } from '../iterations/iterations.repo';
import { RECURRING_AFTER } from './action-items.schemas';

export type ActionItemRow = typeof actionItems.$inferSelect;

/** An action item with where it lives: its iteration (number, status), initiative and team. */
export interface ActionItemView extends ActionItemRow {
  /** The copy of this item in the next version, once it was carried on. */
  carriedTo: string | null;
  iterationNumber: number;
  iterationStatus: IterationRow['status'];
  initiativeId: string;
  initiativeKey: string;
  teamId: string;
  teamKey: string;
}

export interface ActionItemLineage {
  id: string;
  lineage: string;
  title: string;
  owner: string | null;
  dueOn: string | null;
  status: ActionItemRow['status'];
}

/** Filters of the cross-initiative list, resolved to ids; null means "any". */
export interface ActionItemQuery {
  teamId: string | null;
  initiativeId: string | null;
  iterationId: string | null;
  status: ActionItemRow['status'] | null;
  owner: string | null;
  recurring: 0 | 1 | null;
}

const VIEW = `
  SELECT a.id, a.iteration_id AS iterationId, a.title, a.owner, a.due_on AS dueOn, a.status, a.carried_from AS carriedFrom,
         a.times_carried AS timesCarried, (SELECT n.id FROM action_items n WHERE n.carried_from = a.id) AS carriedTo, a.version, a.created_at AS createdAt, a.updated_at AS updatedAt,
         it.number AS iterationNumber, it.status AS iterationStatus, i.id AS initiativeId, i.key AS initiativeKey,
         t.id AS teamId, t.key AS teamKey
  FROM action_items a
  JOIN iterations it ON it.id = a.iteration_id
  JOIN initiatives i ON i.id = it.initiative_id
  JOIN teams t ON t.id = i.team_id`;

export const actionItemsRepo = perDb((db: Db) => {
  const c = db.$client;
  const byId = c.prepare<[string], ActionItemView>(`${VIEW} WHERE a.id = ?`);
  // One statement for every combination of filters; keyset on the primary key (creation order).
  // Across iterations, an item carried on is shown once: as its latest copy.
  const list = c.prepare<[ActionItemQuery & { cursor: string; limit: number }], ActionItemView>(`${VIEW}
    WHERE (@iterationId IS NULL OR a.iteration_id = @iterationId)
      AND (@initiativeId IS NULL OR it.initiative_id = @initiativeId)
      AND (@teamId IS NULL OR i.team_id = @teamId)
      AND (@status IS NULL OR a.status = @status)
      AND (@owner IS NULL OR a.owner = @owner)
      AND (@recurring IS NULL OR (a.times_carried >= ${RECURRING_AFTER}) = @recurring)
      AND (@iterationId IS NOT NULL OR NOT EXISTS (SELECT 1 FROM action_items n WHERE n.carried_from = a.id))
      AND a.id > @cursor
    ORDER BY a.id LIMIT @limit`);
  const rowsOf = db.select().from(actionItems).where(eq(actionItems.iterationId, sql.placeholder('iterationId'))).orderBy(actionItems.id).prepare();
  const lineages = c.prepare<[string], ActionItemLineage>(`${carriedChain('action_items')}
    SELECT a.id, chain.origin AS lineage, a.title, a.owner, a.due_on AS dueOn, a.status
    FROM chain JOIN action_items a ON a.id = chain.id
    WHERE chain.parent IS NULL ORDER BY a.id`);
  const insert = db.insert(actionItems).values({
    id: sql.placeholder('id'),
    iterationId: sql.placeholder('iterationId'),
    title: sql.placeholder('title'),
    owner: sql.placeholder('owner'),
    dueOn: sql.placeholder('dueOn'),
    status: sql.placeholder('status'),
    carriedFrom: sql.placeholder('carriedFrom'),
    timesCarried: sql.placeholder('timesCarried'),
    version: sql.placeholder('version'),
    createdAt: sql.placeholder('createdAt'),
    updatedAt: sql.placeholder('updatedAt'),
  }).prepare();

  return {
    find: (id: string): ActionItemView | undefined => byId.get(id),
    /** A page in id order, `limit + 1` rows. */
    list: (q: ActionItemQuery, page: { limit: number; cursor?: string }): ActionItemView[] =>
      list.all({ ...q, cursor: page.cursor ?? '', limit: page.limit + 1 }),
    rowsOf: (iterationId: string): ActionItemRow[] => rowsOf.all({ iterationId }),
    lineagesOf: (iterationId: string): ActionItemLineage[] => lineages.all(iterationId),

    insert: (row: ActionItemRow) => void insert.run(row),
    update: (id: string, patch: Partial<ActionItemRow>) => void db.update(actionItems).set(patch).where(eq(actionItems.id, id)).run(),
  };
});
