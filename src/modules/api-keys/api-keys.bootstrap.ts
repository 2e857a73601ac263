import type { Db } from '../../db/client';
import type { Actor, Ctx } from '../../lib/context';
import { isoNow, type Clock } from '../../lib/clock';
import { newId } from '../../lib/ids';
import { generateSecret, hashSecret, secretPrefix } from '../../lib/secrets';
import { inTransaction } from '../../lib/transaction';
import { recordActivity } from '../activity/activity.service';
import { apiKeysRepo, type ApiKeyRow } from './api-keys.repo';
import { apiKeySnapshot, toApiKeyDto } from './api-keys.service';

const SYSTEM: Actor = { keyId: 'system', name: 'system', role: 'admin', teamIds: new Set() };

/**
 * Makes sure an admin can get in. With ADMIN_API_KEY set, that key is the bootstrap admin (a changed
 * value replaces the previous one). Without it, the first start generates a key and returns it so the
 * caller prints it once; later starts change nothing.
 */
export function ensureAdminKey(db: Db, clock: Clock, configured?: string): { generatedSecret?: string } {
  const ctx = { db, clock, actor: SYSTEM, requestId: 'startup' };
  return inTransaction(db, () => {
    const repo = apiKeysRepo(db);
    const now = isoNow(clock);
    if (configured) {
      const hash = hashSecret(configured);
      for (const old of repo.bootstrapKeys()) {
        if (old.secretHash !== hash && !old.revokedAt) {
          repo.update(old.id, { revokedAt: now, updatedAt: now, version: old.version + 1 });
          recordActivity(ctx, { action: 'api_key.revoked', entityType: 'api_key', entityId: old.id, before: { revoked_at: null }, after: { revoked_at: now } });
        }
      }
      const existing = repo.findByHash(hash);
      if (existing) {
        // The configured secret is the bootstrap admin, whatever the key was before.
        if (existing.revokedAt || existing.role !== 'admin' || !existing.bootstrap) {
          repo.update(existing.id, {
            revokedAt: null,
            role: 'admin',
            bootstrap: true,
            secretPrefix: '(ADMIN_API_KEY)',
            updatedAt: now,
            version: existing.version + 1,
          });
          recordActivity(ctx, {
            action: 'api_key.updated',
            entityType: 'api_key',
            entityId: existing.id,
            before: { revoked_at: existing.revokedAt, role: existing.role },
            after: { revoked_at: null, role: 'admin' },
          });
        }
        return {};
      }
      insertBootstrap(ctx, configured, 'admin (ADMIN_API_KEY)', '(ADMIN_API_KEY)');
      return {};
    }
    if (repo.countActiveAdmins() > 0) return {};
    const secret = generateSecret();
    insertBootstrap(ctx, secret, 'admin (generated at first start)', secretPrefix(secret));
    return { generatedSecret: secret };
  });
}

function insertBootstrap(ctx: Pick<Ctx, 'db' | 'clock' | 'actor' | 'requestId'>, secret: string, name: string, shown: string): void {
  const now = isoNow(ctx.clock);
  const row: ApiKeyRow = {
    id: newId('key'),
    name,
    role: 'admin',
    secretHash: hashSecret(secret),
    secretPrefix: shown,
    bootstrap: true,
    revokedAt: null,
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  apiKeysRepo(ctx.db).insert(row, []);
  recordActivity(ctx, { action: 'api_key.created', entityType: 'api_key', entityId: row.id, before: null, after: apiKeySnapshot(toApiKeyDto(row, [])) });
}
