import { describe, expect, it } from 'vitest';
import { isIdShaped, newId, ulid } from '../../src/lib/ids';

describe('ids', () => {
  it('are a prefix and a 26-character lowercase ULID', () => {
    const id = newId('ini');
    expect(id).toMatch(/^ini_[0-9a-hjkmnp-tv-z]{26}$/);
    expect(isIdShaped(id)).toBe(true);
    expect(isIdShaped('lead-scoring')).toBe(false);
  });

  it('start with the time, so ids of later milliseconds sort after', () => {
    // Ids are monotonic per process, so these use times after any the clock has given.
    // 4e12 ms (in 2096) as 48 bits in Crockford base32:
    expect(ulid(4_000_000_000_000).slice(0, 10)).toBe('03md998g00');
    const earlier = ulid(4_000_000_000_001);
    expect(ulid(4_000_000_000_002) > earlier).toBe(true);
  });

  it('increase strictly within one millisecond, across pool refills, and when the clock steps back', () => {
    const ids = Array.from({ length: 1000 }, () => ulid(5_000_000_000_000));
    ids.push(ulid(1_000_000_000_000));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
