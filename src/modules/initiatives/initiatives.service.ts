import { readCache } from '../../db/read-cache';
import type { Ctx } from '../../lib/context';
import { isoNow } from '../../lib/clock';
import { changedFields } from '../../lib/changes';
import { newId } from '../../lib/ids';
import { assertCanWriteTeam } from '../../lib/permissions';
import { inTransaction } from '../../lib/transaction';
import { assertIfMatch } from '../../http/etag';
import { ApiError, conflict, notFound } from '../../http/problems';
import { toRawPage, type PageRequest, type RawPage } from '../../http/pagination';
import { RawJson } from '../../http/serializer';
import { recordActivity } from '../activity/activity.service';
import { teamsService } from '../teams/teams.module';
import { themesService } from '../themes/themes.module';
import { iterationsRepo, type IterationView } from '../iterations/iterations.repo';
import { toCurrentIteration } from '../iterations/iteration-dto';
import { staleCutoff, staleFlipsAt } from '../iterations/iteration-lifecycle';
import { checkinIntervalDays } from '../policy/policy.current';
import { assertInitiativeAttributes } from '../policy/policy.enforce';
import { initiativesRepo, type InitiativeRow, type InitiativeView } from './initiatives.repo';
import type {
  CreateInitiativeInput,
  Initiative,
  InitiativeListFilters,
  UpdateInitiativeInput,
} from './initiatives.schemas';

function toDto(ctx: Ctx, v: InitiativeView, current: IterationView | undefined): Initiative {
  return {
    id: v.id,
    key: v.key,
    title: v.title,
    summary: v.summary,
    team: { id: v.teamId, key: v.teamKey },
    owner: v.owner,
    theme: v.themeId && v.themeKey ? { id: v.themeId, key: v.themeKey } : null,
    horizon: v.horizon,
    status: v.status,
    tags: v.tags,
    attributes: v.attributes,
    archived_at: v.archivedAt,
    current_iteration: current ? toCurrentIteration(ctx, current) : null,
    version: v.version,
    created_at: v.createdAt,
    updated_at: v.updatedAt,
  };
}

/** What the activity log keeps of an initiative: its own fields, not its current iteration. */
function snapshot(dto: Initiative): Record<string, unknown> {
  const { current_iteration: _current, ...own } = dto;
  return own;
}

/** An initiative by id or key, or 404. */
export function resolveInitiative(ctx: Pick<Ctx, 'db'>, ref: string): InitiativeView {
  const view = initiativesRepo(ctx.db).find(ref);
  if (!view) throw notFound('initiative', ref);
  return view;
}

/** Archived initiatives keep their history but take no changes until restored. */
export function assertInitiativeWritable(ctx: Ctx, v: Pick<InitiativeView, 'key' | 'teamId' | 'teamKey' | 'archivedAt'>): void {
  assertCanWriteTeam(ctx.actor, v.teamId, v.teamKey);
  if (v.archivedAt) {
    throw new ApiError('frozen', `Initiative '${v.key}' is archived; restore it with PATCH {"archived": false} first.`, {
      extensions: { archived_at: v.archivedAt },
    });
  }
}

const staleBefore = (ctx: Ctx): string => staleCutoff(ctx.clock.now(), checkinIntervalDays(ctx));
function expiresAt(ctx: Ctx, now: Date, rows: Array<{ stale_since: string | null }>): number {
  const interval = checkinIntervalDays(ctx);
  return rows.reduce((soonest, r) => Math.min(soonest, staleFlipsAt(r.stale_since, now, interval)), Infinity);
}
/** Strings are about two bytes a character in memory. */
const sizeOf = (raw: RawJson): number => 2 * raw.text.length;

/** The hot read, answered from the read cache while nothing changed. */
export function getInitiative(ctx: Ctx, ref: string): RawJson {
  const now = ctx.clock.now();
  const rendered = readCache(ctx.db, ctx.config.READ_CACHE_MB).read(`initiative:${ref}`, now.getTime(), () => {
    const r = initiativesRepo(ctx.db).render(ref, staleBefore(ctx));
    if (!r) return undefined;
    const value = new RawJson(r.json, r.version);
    return { value, bytes: sizeOf(value), expiresAt: expiresAt(ctx, now, [r]) };
  });
  if (!rendered) throw notFound('initiative', ref);
  return rendered;
}

/** A page, from the read cache while nothing changed (dashboards poll the same query). */
export function listInitiatives(ctx: Ctx, f: InitiativeListFilters, page: PageRequest): RawPage {
  const now = ctx.clock.now();
  const key = `initiatives:${JSON.stringify([f, page.limit, page.cursor])}`;
  return readCache(ctx.db, ctx.config.READ_CACHE_MB).read(key, now.getTime(), () => {
    const rows = initiativesRepo(ctx.db).list(
      {
        teamId: f.team ? teamsService.resolve(ctx, f.team).id : undefined,
        themeId: f.theme ? themesService.resolve(ctx, f.theme).id : undefined,
        status: f.status,
        horizon: f.horizon,
        tag: f.tag,
        updatedSince: f.updated_since,
        q: f.q,
        iterationStatus: f.iteration_status,
        archived: f.archived,
      },
      { limit: page.limit, cursor: page.cursor },
      staleBefore(ctx),
    );
    const value = toRawPage(rows, page.limit, (r) => r.id);
    return { value, bytes: sizeOf(value), expiresAt: expiresAt(ctx, now, rows.slice(0, page.limit)) };
  })!;
}

export function createInitiative(ctx: Ctx, input: CreateInitiativeInput): Initiative {
  const team = teamsService.resolve(ctx, input.team);
  assertCanWriteTeam(ctx.actor, team.id, team.key);
  return inTransaction(ctx.db, () => {
    const theme = input.theme ? themesService.resolve(ctx, input.theme) : null;
    const repo = initiativesRepo(ctx.db);
    if (repo.keyExists(input.key)) throw conflict(`An initiative with key '${input.key}' already exists.`);
    assertInitiativeAttributes(ctx, input.attributes);
    const now = isoNow(ctx.clock);
    const row: InitiativeRow = {
      id: newId('ini'),
      key: input.key,
      title: input.title,
      summary: input.summary,
      teamId: team.id,
      owner: input.owner,
      themeId: theme?.id ?? null,
      horizon: input.horizon,
      status: 'active',
      tags: input.tags,
      attributes: input.attributes,
      archivedAt: null,
      currentIterationId: null,
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    repo.insert(row);
    const dto = toDto(ctx, { ...row, teamKey: team.key, themeKey: theme?.key ?? null }, undefined);
    recordActivity(ctx, { action: 'initiative.created', entityType: 'initiative', entityId: row.id, before: null, after: snapshot(dto) });
    return dto;
  });
}

export function updateInitiative(ctx: Ctx, ref: string, input: UpdateInitiativeInput, ifMatch?: string): Initiative {
  return inTransaction(ctx.db, () => {
    const current = resolveInitiative(ctx, ref);
    assertCanWriteTeam(ctx.actor, current.teamId, current.teamKey);
    const { team: teamRef, theme: themeRef, archived, ...fields } = input;
    // An archived initiative takes one change only: being restored.
    const restoring = current.archivedAt !== null && archived === false;
    const otherChanges = Object.keys(input).some((k) => k !== 'archived');
    if (current.archivedAt && !restoring && otherChanges) assertInitiativeWritable(ctx, current);

    const patch: Partial<InitiativeRow> = { ...fields };
    const next: InitiativeView = { ...current, ...fields };
    if (teamRef !== undefined) {
      const team = teamsService.resolve(ctx, teamRef);
      assertCanWriteTeam(ctx.actor, team.id, team.key);
      Object.assign(patch, { teamId: team.id });
      Object.assign(next, { teamId: team.id, teamKey: team.key });
    }
    if (themeRef !== undefined) {
      const theme = themeRef === null ? null : themesService.resolve(ctx, themeRef);
      Object.assign(patch, { themeId: theme?.id ?? null });
      Object.assign(next, { themeId: theme?.id ?? null, themeKey: theme?.key ?? null });
    }
    const archiving = current.archivedAt === null && archived === true;
    if (archiving || restoring) {
      patch.archivedAt = archiving ? isoNow(ctx.clock) : null;
      next.archivedAt = patch.archivedAt;
    }
    // Archiving is always allowed; anything that leaves the initiative live must meet the policy.
    if (next.archivedAt === null) assertInitiativeAttributes(ctx, next.attributes);
    const action = restoring ? 'initiative.restored' : archiving ? 'initiative.archived' : 'initiative.updated';
    return saveChanges(ctx, { current, next, patch, ifMatch, action });
  });
}

interface Change {
  current: InitiativeView;
  next: InitiativeView;
  patch: Partial<InitiativeRow>;
  action: string;
  ifMatch?: string;
}

/**
 * Writes a change to an initiative after checking If-Match against what the client saw; when
 * nothing differs it returns the initiative as it is, with no new version and no activity row.
 */
function saveChanges(ctx: Ctx, { current, next, patch, action, ifMatch }: Change): Initiative {
  const currentIteration = iterationsRepo(ctx.db).currentOne(current.id);
  const before = toDto(ctx, current, currentIteration);
  assertIfMatch(ifMatch, before);
  const unchanged = Object.keys(changedFields(before, toDto(ctx, next, currentIteration)).after).length === 0;
  if (unchanged) return before;
  const stamp = { version: current.version + 1, updatedAt: isoNow(ctx.clock) };
  initiativesRepo(ctx.db).update(current.id, { ...patch, ...stamp });
  const after = toDto(ctx, { ...next, ...stamp }, currentIteration);
  recordActivity(ctx, { action, entityType: 'initiative', entityId: current.id, before: snapshot(before), after: snapshot(after) });
  return after;
}

/** DELETE archives: history is never lost, and PATCH {"archived": false} restores. Repeating it is harmless. */
export function archiveInitiative(ctx: Ctx, ref: string, ifMatch?: string): void {
  inTransaction(ctx.db, () => {
    const current = resolveInitiative(ctx, ref);
    assertCanWriteTeam(ctx.actor, current.teamId, current.teamKey);
    const archivedAt = current.archivedAt ?? isoNow(ctx.clock);
    saveChanges(ctx, { current, next: { ...current, archivedAt }, patch: { archivedAt }, ifMatch, action: 'initiative.archived' });
  });
}

/** Applies a closing decision's consequence to the initiative (inside the caller's transaction). */
export function setInitiativeStatus(ctx: Ctx, current: InitiativeView, status: InitiativeRow['status']): void {
  saveChanges(ctx, { current, next: { ...current, status }, patch: { status }, action: 'initiative.status_changed' });
}
