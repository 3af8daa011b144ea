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
  const nextBytes = createRandomPool({ random, size: idRandomBytes });
  return () => `${prefix}_${encodeBase32(nextBytes(), idBodyLength)}`;
}

const idRandomBytes = 17;
const idsPerDraw = 240;

/**
 * Draws random bytes for many ids at once: a call to the CSPRNG costs far more than 17 bytes of its output
 * (ledger appends make one id each). Each id still gets its own fresh bytes, never reused.
 */
function createRandomPool({
  random,
  size,
}: {
  random: (size: number) => Uint8Array;
  size: number;
}): () => Uint8Array {
  let pool: Uint8Array = new Uint8Array(0);
  let offset = 0;
  return () => {
    if (offset + size > pool.length) {
      pool = random(size * idsPerDraw);
      offset = 0;
    }
    offset += size;
    return pool.subarray(offset - size, offset);
  };
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
