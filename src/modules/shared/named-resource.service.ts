import type { Ctx } from '../../lib/context';
import { isoNow } from '../../lib/clock';
import { newId } from '../../lib/ids';
import { assertAdmin } from '../../lib/permissions';
import { inTransaction } from '../../lib/transaction';
import { assertIfMatch } from '../../http/etag';
import { conflict, isForeignKeyViolation, notFound } from '../../http/problems';
import { toPage, type PageRequest } from '../../http/pagination';
import { recordActivity } from '../activity/activity.service';
import { namedRepo, type NamedRow, type NamedTable } from './named-resource.repo';
import type { NamedCreate, NamedEntity, NamedUpdate } from './named-resource.schemas';

export interface NamedResourceOptions {
  table: NamedTable;
  /** Singular entity name used in ids prefixes, activity actions and messages: `team`, `theme`. */
  entity: string;
  idPrefix: string;
  /** What still refers to an entry, for the message when deleting it is refused. */
  referencedBy: string;
}

const toDto = (r: NamedRow): NamedEntity => ({
  id: r.id,
  key: r.key,
  name: r.name,
  description: r.description,
  version: r.version,
  created_at: r.createdAt,
  updated_at: r.updatedAt,
});

export function namedService({ table, entity, idPrefix, referencedBy }: NamedResourceOptions) {
  const repo = namedRepo(table);

  function load(ctx: Pick<Ctx, 'db'>, ref: string): NamedRow {
    const row = repo(ctx.db).find(ref);
    if (!row) throw notFound(entity, ref);
    return row;
  }

  return {
    /** Resolves an id or key to the row, or 404. */
    resolve: load,

    get: (ctx: Ctx, ref: string) => toDto(load(ctx, ref)),

    list(ctx: Ctx, page: PageRequest) {
      const rows = repo(ctx.db).list({ limit: page.limit, cursor: page.cursor });
      return toPage(rows, page.limit, (r) => r.id, toDto);
    },

    create(ctx: Ctx, input: NamedCreate): NamedEntity {
      assertAdmin(ctx.actor);
      const now = isoNow(ctx.clock);
      const row: NamedRow = { id: newId(idPrefix), ...input, version: 1, createdAt: now, updatedAt: now };
      return inTransaction(ctx.db, () => {
        if (repo(ctx.db).findByKey(input.key)) throw conflict(`A ${entity} with key '${input.key}' already exists.`);
        repo(ctx.db).insert(row);
        const dto = toDto(row);
        recordActivity(ctx, { action: `${entity}.created`, entityType: entity, entityId: row.id, before: null, after: dto });
        return dto;
      });
    },

    update(ctx: Ctx, ref: string, input: NamedUpdate, ifMatch?: string): NamedEntity {
      assertAdmin(ctx.actor);
      return inTransaction(ctx.db, () => {
        const current = load(ctx, ref);
        const before = toDto(current);
        assertIfMatch(ifMatch, before);
        const changes = Object.entries(input).filter(([k, v]) => v !== undefined && current[k as keyof NamedRow] !== v);
        if (changes.length === 0) return before;
        const patch = { ...Object.fromEntries(changes), version: current.version + 1, updatedAt: isoNow(ctx.clock) };
        repo(ctx.db).update(current.id, patch);
        const after = toDto({ ...current, ...patch });
        recordActivity(ctx, { action: `${entity}.updated`, entityType: entity, entityId: current.id, before, after });
        return after;
      });
    },

    remove(ctx: Ctx, ref: string, ifMatch?: string): void {
      assertAdmin(ctx.actor);
      inTransaction(ctx.db, () => {
        const current = load(ctx, ref);
        const before = toDto(current);
        assertIfMatch(ifMatch, before);
        try {
          repo(ctx.db).delete(current.id);
        } catch (err) {
          if (isForeignKeyViolation(err)) {
            throw conflict(`The ${entity} '${current.key}' is still used by ${referencedBy}; reassign them first.`);
          }
          throw err;
        }
        recordActivity(ctx, { action: `${entity}.deleted`, entityType: entity, entityId: current.id, before, after: null });
      });
    },
  };
}
