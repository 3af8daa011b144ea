import { createHash, randomBytes } from 'node:crypto';

/** A bearer secret for single-use links and sessions: 256 bits, URL-safe. */
export function generateSecretToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Tokens are stored only as their SHA-256: they carry 256 bits of entropy, so a slow hash adds nothing,
 * and a copy of the database cannot be replayed.
 */
export function hashSecretToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
