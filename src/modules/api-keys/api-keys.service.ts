import type { Db } from '../../db/client';
import type { Computed, ReadCache } from '../../db/read-cache';
import type { Actor, Ctx } from '../../lib/context';
import { isoNow } from '../../lib/clock';
import { newId } from '../../lib/ids';
import { assertAdmin } from '../../lib/permissions';
import { generateSecret, hashSecret, secretPrefix } from '../../lib/secrets';
import { inTransaction } from '../../lib/transaction';
import { assertIfMatch } from '../../http/etag';
import { conflict, notFound, validationFailed } from '../../http/problems';
import { toPage, type PageRequest } from '../../http/pagination';
import { recordActivity } from '../activity/activity.service';
import { teamsService } from '../teams/teams.module';
import { apiKeysRepo, type ApiKeyRow, type KeyTeam } from './api-keys.repo';
import type { ApiKey, CreateApiKeyInput } from './api-keys.schemas';

export const toApiKeyDto = (r: ApiKeyRow, teams: KeyTeam[]): ApiKey => ({
  id: r.id,
  name: r.name,
  role: r.role,
  teams,
  secret_prefix: r.secretPrefix,
  revoked_at: r.revokedAt,
  version: r.version,
  created_at: r.createdAt,
  updated_at: r.updatedAt,
});

/** What the activity log keeps of a key: never any part of its secret. */
export function apiKeySnapshot(dto: ApiKey): Record<string, unknown> {
  const { secret_prefix: _prefix, ...rest } = dto;
  return rest;
}

/**
 * The actor behind a bearer secret, or undefined for an unknown or revoked key. With a read cache,
 * a key seen before is answered from it until the next write (a revocation is one).
 */
export function authenticate(db: Db, secret: string, cache?: ReadCache): Actor | undefined {
  const hash = hashSecret(secret);
  const lookup = (): Computed<Actor> | undefined => {
    const key = apiKeysRepo(db).findActiveByHash(hash);
    if (!key) return undefined;
    const actor = { keyId: key.id, name: key.name, role: key.role, teamIds: new Set(key.role === 'editor' ? key.teamIds : []) };
    return { value: actor, bytes: 256 + 64 * key.teamIds.length };
  };
  return cache ? cache.read(`key:${hash}`, 0, lookup) : lookup()?.value;
}

function load(ctx: Ctx, id: string): ApiKeyRow {
  const row = apiKeysRepo(ctx.db).findById(id);
  if (!row) throw notFound('API key', id);
  return row;
}

export function getApiKey(ctx: Ctx, id: string): ApiKey {
  assertAdmin(ctx.actor);
  const row = load(ctx, id);
  return toApiKeyDto(row, apiKeysRepo(ctx.db).teamsOf(row.id));
}

export function listApiKeys(ctx: Ctx, filters: { role?: string; revoked?: boolean }, page: PageRequest) {
  assertAdmin(ctx.actor);
  const repo = apiKeysRepo(ctx.db);
  const rows = repo.list(filters, { limit: page.limit, cursor: page.cursor });
  const teams = repo.teamsOfMany(rows.map((r) => r.id));
  return toPage(rows, page.limit, (r) => r.id, (r) => toApiKeyDto(r, teams.get(r.id) ?? []));
}

export function createApiKey(ctx: Ctx, input: CreateApiKeyInput): ApiKey & { secret: string } {
  assertAdmin(ctx.actor);
  if (input.role === 'editor' && input.teams.length === 0) {
    throw validationFailed([{ path: 'body.teams', message: 'an editor key needs at least one team it may write' }]);
  }
  if (input.role !== 'editor' && input.teams.length > 0) {
    throw validationFailed([{ path: 'body.teams', message: `a ${input.role} key is not scoped to teams; leave teams empty` }]);
  }
  return inTransaction(ctx.db, () => {
    const teams = [...new Map(input.teams.map((ref) => teamsService.resolve(ctx, ref)).map((t) => [t.id, { id: t.id, key: t.key }])).values()];
    const secret = generateSecret();
    const now = isoNow(ctx.clock);
    const row: ApiKeyRow = {
      id: newId('key'),
      name: input.name,
      role: input.role,
      secretHash: hashSecret(secret),
      secretPrefix: secretPrefix(secret),
      bootstrap: false,
      revokedAt: null,
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    apiKeysRepo(ctx.db).insert(row, teams.map((t) => t.id));
    const dto = toApiKeyDto(row, teams);
    recordActivity(ctx, { action: 'api_key.created', entityType: 'api_key', entityId: row.id, before: null, after: apiKeySnapshot(dto) });
    return { ...dto, secret };
  });
}

/** Revokes a key; repeating it is harmless. The last active admin key cannot be revoked. */
export function revokeApiKey(ctx: Ctx, id: string, ifMatch?: string): void {
  assertAdmin(ctx.actor);
  inTransaction(ctx.db, () => {
    const repo = apiKeysRepo(ctx.db);
    const row = load(ctx, id);
    const before = toApiKeyDto(row, repo.teamsOf(row.id));
    assertIfMatch(ifMatch, before);
    if (row.revokedAt) return;
    if (ctx.config.ADMIN_API_KEY && hashSecret(ctx.config.ADMIN_API_KEY) === row.secretHash) {
      throw conflict('This key is the ADMIN_API_KEY setting and would come back at the next start; change the setting and restart to rotate it.');
    }
    if (row.role === 'admin' && repo.countActiveAdmins() <= 1) {
      throw conflict('This is the last active admin key; create another admin key before revoking it.');
    }
    const now = isoNow(ctx.clock);
    repo.update(row.id, { revokedAt: now, updatedAt: now, version: row.version + 1 });
    const after = { ...before, revoked_at: now, updated_at: now, version: row.version + 1 };
    recordActivity(ctx, { action: 'api_key.revoked', entityType: 'api_key', entityId: row.id, before: apiKeySnapshot(before), after: apiKeySnapshot(after) });
  });
}
