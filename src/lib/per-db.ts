import type { Db } from '../db/client';

/**
 * Memoizes a repository per database handle, so its prepared statements are built once
 * and reused by every request (Drizzle otherwise rebuilds SQL on each call).
 */
export function perDb<T>(build: (db: Db) => T): (db: Db) => T {
  const cache = new WeakMap<Db, T>();
  return (db) => {
    let repo = cache.get(db);
    if (repo === undefined) {
      repo = build(db);
      cache.set(db, repo);
    }
    return repo;
  };
}
