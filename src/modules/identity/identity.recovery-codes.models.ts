import { randomInt } from 'node:crypto';
import { createPrefixedIdGenerator } from '../../shared/ids/ids.js';

/** @NOTE Prefixes are stored: `rcv_` ids are recovery code rows. */
export const generateRecoveryCodeId = createPrefixedIdGenerator({ prefix: 'rcv' });

export const recoveryCodeCount = 10;

// Crockford base32: no I, L, O or U, so a code read aloud or typed from paper has one reading.
const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const groupLength = 5;
const codeLength = 10;

/** A recovery code as shown once to its owner: 10 random base32 characters (50 bits), `XXXXX-XXXXX`. */
export function generateRecoveryCode(): string {
  let code = '';
  for (let index = 0; index < codeLength; index += 1) code += alphabet.charAt(randomInt(alphabet.length));
  return `${code.slice(0, groupLength)}-${code.slice(groupLength)}`;
}

/**
 * The code as it is hashed: case, spaces and hyphens ignored, and the letters Crockford reads as digits
 * (O as 0, I and L as 1) mapped, so that a code copied by hand still matches. Undefined when it cannot be one.
 */
export function normalizeRecoveryCode(input: string): string | undefined {
  const compact = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (compact.length !== codeLength) return undefined;
  for (const character of compact) if (!alphabet.includes(character)) return undefined;
  return compact;
}

/**
 * The keyed hasher's purpose for one user's codes: a code's hash matches only in that user's rows, and a
 * copy of the database without the root key cannot be searched offline for the 50-bit codes.
 * @NOTE Stored hashes depend on this string: changing it invalidates every issued code.
 */
export function recoveryCodeHashPurpose(userId: string): string {
  return `recovery-code:${userId}`;
}
