import { createHash, randomBytes } from 'node:crypto';

/** API key secrets: 32 random bytes. High entropy makes a plain SHA-256 an adequate, fast hash. */
export const generateSecret = (): string => `rw_${randomBytes(32).toString('base64url')}`;

export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');

/**
 * What a key list shows to tell generated keys apart: `rw_` and four random characters, too few to
 * help guess the rest. A secret chosen by an operator (ADMIN_API_KEY) shows none of itself.
 */
export const secretPrefix = (secret: string): string => secret.slice(0, 7);
