import { createHash, randomBytes } from 'node:crypto';

/** API key secrets: 32 random bytes. High entropy makes a plain SHA-256 an adequate, fast hash. */
export const generateSecret = (): string => `rw_${randomBytes(32).toString('base64url')}`;

export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');

export const secretPrefix = (secret: string): string => secret.slice(0, 10);
