import { monotonicFactory } from 'ulid';

const ulid = monotonicFactory();

/**
 * Opaque, never-reused identifiers: a type prefix and a ULID. ULIDs from one process increase
 * monotonically, so ordering by id is creation order (list pagination relies on it).
 */
export const newId = (prefix: string): string => `${prefix}_${ulid().toLowerCase()}`;

/** Whether a reference has the shape of an id (keys never do, so a ref is looked up one way only). */
export const isIdShaped = (ref: string): boolean => /^[a-z]+_[0-9a-z]{26}$/.test(ref);
