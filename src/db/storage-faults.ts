import type { Db } from './client';
import { perDb } from '../lib/per-db';

/** Why the database cannot serve a request for now, whatever the request. */
export type StorageFault = 'full' | 'read_only' | 'locked' | 'io';

/**
 * SQLite's primary result codes that blame the storage, not the request. Extended codes carry their
 * primary code as a prefix (SQLITE_IOERR_WRITE, SQLITE_READONLY_DBMOVED, SQLITE_BUSY_SNAPSHOT,
 * SQLITE_LOCKED_SHAREDCACHE, SQLITE_CANTOPEN_NOTEMPDIR ...). SQLITE_PROTOCOL is a lock SQLite could
 * not take after many tries: a lock fault too.
 */
const FAULTS = new Map<string, StorageFault>([
  ['SQLITE_FULL', 'full'],
  ['SQLITE_READONLY', 'read_only'],
  ['SQLITE_BUSY', 'locked'],
  ['SQLITE_LOCKED', 'locked'],
  ['SQLITE_PROTOCOL', 'locked'],
  ['SQLITE_IOERR', 'io'],
  ['SQLITE_CANTOPEN', 'io'],
]);

/** A storage fault found without an error of SQLite's own (a probe, a transaction SQLite rolled back). */
export class StorageFaultError extends Error {
  constructor(readonly fault: StorageFault) {
    super(`storage fault: ${fault}`);
  }
}

/** The storage fault an error reports, or undefined for any other error. */
export function storageFaultOf(err: unknown): StorageFault | undefined {
  if (err instanceof StorageFaultError) return err.fault;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return undefined;
  const end = code.indexOf('_', 'SQLITE_'.length);
  return FAULTS.get(end === -1 ? code : code.slice(0, end));
}

const PHRASES: Record<StorageFault, string> = {
  full: 'the database is full',
  read_only: 'the database is read-only',
  locked: 'the database is locked by another process',
  io: 'the database cannot be read or written',
};

/** What a client or an operator is told: what happened, no internals. */
export const describeStorageFault = (fault: StorageFault): string => PHRASES[fault];

/**
 * The last storage fault the server met, until something shows it is gone: a write lock taken again
 * (CommitGroup) or a probe (storageReadiness). Remembering it keeps /readyz cheap: it probes only
 * while a fault is remembered.
 */
export class StorageFaults {
  private last: StorageFault | undefined;
  private seen = 0;

  /** Remembers the error's fault, if it is one; returns it. */
  note(err: unknown): StorageFault | undefined {
    const fault = storageFaultOf(err);
    if (fault !== undefined) this.remember(fault);
    return fault;
  }

  remember(fault: StorageFault): void {
    this.last = fault;
    this.seen++;
  }

  forget(): void {
    this.last = undefined;
  }

  get current(): StorageFault | undefined {
    return this.last;
  }

  /** How many faults were noted so far: tells whether one was noted since a given moment. */
  get count(): number {
    return this.seen;
  }
}

export const storageFaults = perDb((_db: Db) => new StorageFaults());
