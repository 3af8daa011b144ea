import { randomBytes } from 'node:crypto';

// Crockford base32: no ambiguous letters, safe in URLs, file names and logs.
const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
const idBodyLength = 26;

function encodeBase32(bytes: Uint8Array, length: number): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < length) {
      out += alphabet.charAt((value >>> (bits - 5)) & 31);
      bits -= 5;
    }
  }
  return out;
}

export type IdGenerator = () => string;

/**
 * Ids are `<prefix>_<26 base32 chars>` (130 bits, 128 of them random).
 * @NOTE Prefixes are stored in every row and published in the API: never change one.
 */
export function createPrefixedIdGenerator({
  prefix,
  random = randomBytes,
}: {
  prefix: string;
  random?: (size: number) => Uint8Array;
}): IdGenerator {
  if (!/^[a-z]{2,5}$/.test(prefix)) throw new Error(`invalid id prefix "${prefix}"`);
  return () => `${prefix}_${encodeBase32(random(17), idBodyLength)}`;
}

export function isPrefixedId({ id, prefix }: { id: string; prefix: string }): boolean {
  return new RegExp(`^${prefix}_[0-9a-hjkmnp-tv-z]{${idBodyLength}}$`).test(id);
}

/** Deterministic ids for tests: `<prefix>_000…001`, `<prefix>_000…002`, … */
export function createSequentialIdGenerator({ prefix }: { prefix: string }): IdGenerator {
  let next = 0;
  return () => {
    next += 1;
    return `${prefix}_${next.toString(32).padStart(idBodyLength, '0')}`;
  };
}
