import { performance } from 'node:perf_hooks';
import type { Db } from './client';
import { perDb } from '../lib/per-db';

/** How long a look at other processes' commits stands (see changeGeneration). */
export const EXTERNAL_CHANGE_CHECK_MS = 1;

/**
 * A number that moves whenever the database may have changed. Rows written by this connection are
 * seen at once: `total_changes()` counts every row written, by triggers too, and never goes back,
 * even on rollback; it touches no file. Commits by another connection or process are seen through
 * `PRAGMA data_version`, which costs three system calls on a file (a WAL read lock taken and
 * released), so it is asked at most once per EXTERNAL_CHANGE_CHECK_MS: a read that starts that long
 * after another process's commit sees it.
 */
export const changeGeneration = perDb((db: Db): (() => number) => {
  const totalChanges = db.$client.prepare<[], number>('SELECT total_changes()').pluck();
  const dataVersion = db.$client.prepare<[], number>('PRAGMA data_version').pluck();
  let changes = -1;
  let version = -1;
  let versionCheckedAt = -Infinity;
  let generation = 0;
  return () => {
    const c = totalChanges.get()!;
    const now = performance.now();
    let v = version;
    if (now - versionCheckedAt >= EXTERNAL_CHANGE_CHECK_MS) {
      v = dataVersion.get()!;
      versionCheckedAt = now;
    }
    if (c !== changes || v !== version) {
      changes = c;
      version = v;
      generation++;
    }
    return generation;
  };
});

/** What a read computed, its size, and until when it holds if nothing is written (the clock can change it). */
export interface Computed<V> {
  value: V;
  /** About what the value keeps in memory, for the cache's bound. */
  bytes: number;
  /** Epoch milliseconds from which the value may differ without any write (`stale` flipping); none by default. */
  expiresAt?: number;
}

interface Entry {
  value: unknown;
  expiresAt: number;
  bytes: number;
}

/**
 * Repeated reads answered without SQL, exactly: an entry is served only while the database is
 * unchanged since it was computed (see changeGeneration) and before its own expiry. Any change
 * drops every entry at once, so nothing is ever served that a write has touched. Nothing is read
 * from or stored in the cache inside a transaction, whose writes may still roll back. The least
 * recently used entries go first when the entries' size passes `maxBytes`; 0 turns the cache off.
 */
export class ReadCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private generation = -1;

  constructor(
    private readonly db: Db,
    private readonly maxBytes: number,
  ) {}

  /** `key` must name everything the value depends on but the database and the clock. */
  read<V>(key: string, nowMs: number, compute: () => Computed<V> | undefined): V | undefined {
    if (this.maxBytes === 0 || this.db.$client.inTransaction) return compute()?.value;
    const generation = changeGeneration(this.db)();
    if (generation !== this.generation) this.clear(generation);
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.entries.delete(key);
      if (nowMs < hit.expiresAt) {
        this.entries.set(key, hit);
        return hit.value as V;
      }
      this.bytes -= hit.bytes;
    }
    const computed = compute();
    if (computed !== undefined) this.store(key, computed);
    return computed?.value;
  }

  private store(key: string, { value, bytes: valueBytes, expiresAt = Infinity }: Computed<unknown>): void {
    const bytes = valueBytes + key.length;
    if (bytes > this.maxBytes) return;
    this.entries.set(key, { value, expiresAt, bytes });
    this.bytes += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= entry.bytes;
    }
  }

  private clear(generation: number): void {
    this.entries.clear();
    this.bytes = 0;
    this.generation = generation;
  }
}

const caches = new WeakMap<Db, ReadCache>();

/** The one read cache of a database handle, `READ_CACHE_MB` large (0: off). */
export function readCache(db: Db, megabytes: number): ReadCache {
  let cache = caches.get(db);
  if (cache === undefined) {
    cache = new ReadCache(db, Math.round(megabytes * 1_048_576));
    caches.set(db, cache);
  }
  return cache;
}
