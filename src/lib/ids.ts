import { monotonicFactory } from 'ulid';

const ulid = monotonicFactory();

/**
 * Opaque, never-reused identifiers: a type prefix and a ULID. ULIDs from one process increase
 * monotonically, so ordering by id is creation order (list pagination relies on it).
 */
export const newId = (prefix: string): string => `${prefix}_${ulid().toLowerCase()}`;
