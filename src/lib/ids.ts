import { randomFillSync } from 'node:crypto';

/** Crockford's base32, lowercase: the ULID alphabet. */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const RANDOM_CHARS = 16;

/**
 * Random bytes drawn from a pool refilled 4 KiB at a time: one getrandom call per 256 ids
 * instead of one per character (system calls are the expensive part of making an id).
 */
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

function randomChars(): number[] {
  if (poolOffset + RANDOM_CHARS > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  // 256 is a multiple of 32, so each character is uniform.
  const chars = Array.from(pool.subarray(poolOffset, poolOffset + RANDOM_CHARS), (b) => b & 31);
  poolOffset += RANDOM_CHARS;
  return chars;
}

let lastTime = -1;
let lastRandom: number[] = [];

/** Adds one to the random part, so ids made within the same millisecond still increase. */
function increment(chars: number[]): number[] {
  const next = [...chars];
  for (let i = next.length - 1; i >= 0; i--) {
    if (next[i] !== 31) {
      next[i] = (next[i] ?? 0) + 1;
      return next;
    }
    next[i] = 0;
  }
  throw new Error('ULID random part overflowed within one millisecond');
}

/**
 * A ULID (48-bit millisecond time, 80 random bits) in lowercase. Within one process ids increase
 * monotonically, even within a millisecond or if the clock steps back, so ordering by id is
 * creation order (list pagination relies on it).
 */
export function ulid(now = Date.now()): string {
  if (now <= lastTime) {
    lastRandom = increment(lastRandom);
  } else {
    lastTime = now;
    lastRandom = randomChars();
  }
  let time = '';
  for (let t = lastTime, i = 0; i < 10; i++, t = Math.floor(t / 32)) time = ALPHABET[t % 32] + time;
  return time + lastRandom.map((c) => ALPHABET[c]).join('');
}

/** Opaque, never-reused identifiers: a type prefix and a ULID. */
export const newId = (prefix: string): string => `${prefix}_${ulid()}`;

/** Whether a reference has the shape of an id (keys never do, so a ref is looked up one way only). */
export const isIdShaped = (ref: string): boolean => /^[a-z]+_[0-9a-z]{26}$/.test(ref);
