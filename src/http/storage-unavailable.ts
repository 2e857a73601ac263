import { describeStorageFault, type StorageFault } from '../db/storage-faults';
import { ApiError } from './problems';

/** Every storage_unavailable answer carries this Retry-After: long enough for a lock or a checkpoint to pass. */
export const STORAGE_RETRY_AFTER_SECONDS = 5;

/**
 * The 503 for a request the database could not carry out: what happened, in words, and that nothing
 * was saved. Without a known fault (a commit refused for another reason), the general sentence.
 */
export function storageUnavailable(fault: StorageFault | undefined): ApiError {
  if (fault === undefined) {
    return new ApiError('storage_unavailable', 'The database could not save this change (nothing was saved); retry in a few seconds.');
  }
  const what = describeStorageFault(fault);
  return new ApiError('storage_unavailable', `${what.charAt(0).toUpperCase()}${what.slice(1)}, so nothing was saved; retry in a few seconds.`);
}
