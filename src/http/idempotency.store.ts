import type { Db } from '../db/client';
import { perDb } from '../lib/per-db';

/** A stored first response, as replayed. */
export interface StoredResponse {
  fingerprint: string;
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface NewStoredResponse extends StoredResponse {
  apiKeyId: string;
  key: string;
  createdAt: string;
  expiresAt: string;
}

/** Rows purged per stored response: bounded work per write, still more than one write adds. */
const PURGE_BATCH = 100;

/** Data access of the idempotency_keys table: prepared once per database. */
export const idempotencyStore = perDb((db: Db) => {
  const sqlite = db.$client;
  const find = sqlite.prepare<[string, string, string], { fingerprint: string; status: number; headers: string; body: string }>(
    'SELECT fingerprint, status, headers, body FROM idempotency_keys WHERE api_key_id = ? AND key = ? AND expires_at > ?',
  );
  const dropExpired = sqlite.prepare<[string, string, string]>('DELETE FROM idempotency_keys WHERE api_key_id = ? AND key = ? AND expires_at <= ?');
  // Walks the expires_at index from the oldest row; the LIMIT keeps one write's share of the work small.
  const purge = sqlite.prepare<[string]>(
    `DELETE FROM idempotency_keys WHERE rowid IN
       (SELECT rowid FROM idempotency_keys WHERE expires_at <= ? ORDER BY expires_at LIMIT ${PURGE_BATCH})`,
  );
  const insert = sqlite.prepare<[string, string, string, number, string, string, string, string]>(
    `INSERT INTO idempotency_keys (api_key_id, key, fingerprint, status, headers, body, created_at, expires_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );

  return {
    /** The live response stored under (api key, idempotency key); an expired one is never returned. */
    find(apiKeyId: string, key: string, now: string): StoredResponse | undefined {
      const row = find.get(apiKeyId, key, now);
      return row && { fingerprint: row.fingerprint, status: row.status, headers: JSON.parse(row.headers) as Record<string, string>, body: row.body };
    },

    /**
     * Stores a response (inside the caller's transaction) and purges a batch of expired rows. A
     * plain INSERT: a live row under the same key makes it fail on the primary key, so a change
     * is never committed twice even if two requests with one key ever got this far.
     */
    save(r: NewStoredResponse): void {
      dropExpired.run(r.apiKeyId, r.key, r.createdAt);
      insert.run(r.apiKeyId, r.key, r.fingerprint, r.status, JSON.stringify(r.headers), r.body, r.createdAt, r.expiresAt);
      purge.run(r.createdAt);
    },
  };
});
