import { describe, expect, it } from 'vitest';
import { storageFaultOf, StorageFaultError } from '../../src/db/storage-faults';
import { toApiError } from '../../src/http/error-handler';

/** SQLite's result codes (primary and extended, as better-sqlite3 names them) that blame the storage. */
const STORAGE_CODES = {
  full: ['SQLITE_FULL'],
  read_only: [
    'SQLITE_READONLY',
    'SQLITE_READONLY_RECOVERY',
    'SQLITE_READONLY_CANTLOCK',
    'SQLITE_READONLY_ROLLBACK',
    'SQLITE_READONLY_DBMOVED',
    'SQLITE_READONLY_CANTINIT',
    'SQLITE_READONLY_DIRECTORY',
  ],
  locked: [
    'SQLITE_BUSY',
    'SQLITE_BUSY_RECOVERY',
    'SQLITE_BUSY_SNAPSHOT',
    'SQLITE_BUSY_TIMEOUT',
    'SQLITE_LOCKED',
    'SQLITE_LOCKED_SHAREDCACHE',
    'SQLITE_LOCKED_VTAB',
    'SQLITE_PROTOCOL',
  ],
  io: [
    'SQLITE_IOERR',
    'SQLITE_IOERR_READ',
    'SQLITE_IOERR_SHORT_READ',
    'SQLITE_IOERR_WRITE',
    'SQLITE_IOERR_FSYNC',
    'SQLITE_IOERR_DIR_FSYNC',
    'SQLITE_IOERR_TRUNCATE',
    'SQLITE_IOERR_FSTAT',
    'SQLITE_IOERR_LOCK',
    'SQLITE_IOERR_SHMOPEN',
    'SQLITE_IOERR_SHMMAP',
    'SQLITE_IOERR_DELETE_NOENT',
    'SQLITE_IOERR_CORRUPTFS',
    'SQLITE_IOERR_IN_PAGE',
    'SQLITE_CANTOPEN',
    'SQLITE_CANTOPEN_NOTEMPDIR',
    'SQLITE_CANTOPEN_ISDIR',
    'SQLITE_CANTOPEN_FULLPATH',
    'SQLITE_CANTOPEN_DIRTYWAL',
    'SQLITE_CANTOPEN_SYMLINK',
  ],
} as const;

const sqliteError = (code: string) => Object.assign(new Error('the message SQLite gave'), { code });

describe('storage faults', () => {
  it.each(Object.entries(STORAGE_CODES).flatMap(([fault, codes]) => codes.map((code) => [code, fault] as const)))(
    '%s is a storage fault (%s): a 503 storage_unavailable that names it without internals',
    (code, fault) => {
      expect(storageFaultOf(sqliteError(code))).toBe(fault);
      const problem = toApiError(sqliteError(code));
      expect(problem).toMatchObject({ status: 503, code: 'storage_unavailable' });
      expect(problem.detail).toMatch(/^The database (is full|is read-only|is locked by another process|cannot be read or written), so nothing was saved/);
      expect(problem.detail).not.toMatch(/SQLite|SQLITE_|message/);
    },
  );

  it('names each fault in its own words', () => {
    expect(toApiError(sqliteError('SQLITE_FULL')).detail).toMatch(/^The database is full/);
    expect(toApiError(sqliteError('SQLITE_READONLY_DBMOVED')).detail).toMatch(/^The database is read-only/);
    expect(toApiError(sqliteError('SQLITE_BUSY')).detail).toMatch(/^The database is locked by another process/);
    expect(toApiError(new StorageFaultError('full')).detail).toMatch(/^The database is full/);
  });

  it('leaves every other error alone: constraints stay 409, the rest 500', () => {
    for (const code of ['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_CHECK', 'SQLITE_ERROR', 'SQLITE_CORRUPT', 'SQLITE_MISUSE', 'SQLITE_FULLY', 'FULL', 'ENOSPC']) {
      expect(storageFaultOf(sqliteError(code)), code).toBeUndefined();
    }
    expect(toApiError(sqliteError('SQLITE_CONSTRAINT_UNIQUE')).status).toBe(409);
    expect(toApiError(sqliteError('SQLITE_CORRUPT')).status).toBe(500);
    expect(storageFaultOf(null)).toBeUndefined();
    expect(storageFaultOf({ code: 5 })).toBeUndefined();
  });
});
