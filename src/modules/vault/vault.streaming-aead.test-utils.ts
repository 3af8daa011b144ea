import { Readable, type Transform } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect } from 'vitest';
import { isErrorWithCode } from '../../shared/errors/errors.js';
import { createStreamingDecryptor } from './vault.streaming-aead.decrypt.js';
import { createStreamingEncryptor } from './vault.streaming-aead.encrypt.js';
import type { StreamingAeadParameters } from './vault.streaming-aead.layout.js';

/** A full collection on demand, without starting the test runner with --expose-gc. */
export function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** Small segments make exhaustive tampering and truncation cheap: 40-byte first plaintext segment, then 80. */
export const smallParameters: StreamingAeadParameters = {
  keySize: 32,
  hkdfHash: 'sha256',
  ciphertextSegmentSize: 96,
  firstSegmentOffset: 0,
};

/** Deterministic generator (mulberry32): failures name their seed and replay exactly. */
export function createSeededRandom(seed: number): {
  int: (below: number) => number;
  bytes: (n: number) => Buffer;
} {
  let state = seed >>> 0;
  function next(): number {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  }
  return {
    int: (below) => Math.floor(next() * below),
    bytes: (n) => Buffer.from(Array.from({ length: n }, () => Math.floor(next() * 256))),
  };
}

/** Splits bytes into chunks of `chunkSize` (the last one shorter). */
export function chunked(bytes: Buffer, chunkSize: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += chunkSize) chunks.push(bytes.subarray(at, at + chunkSize));
  return chunks;
}

/** Runs bytes through a transform; returns what came out before it ended or failed, and the failure. */
export async function runTransform(
  transform: Transform,
  input: Buffer,
  chunkSize = 4096,
): Promise<{ output: Buffer; error: unknown }> {
  const received: Buffer[] = [];
  let error: unknown;
  try {
    for await (const chunk of Readable.from(chunked(input, chunkSize)).pipe(transform)) {
      received.push(chunk as Buffer);
    }
  } catch (caught) {
    error = caught;
  }
  return { output: Buffer.concat(received), error };
}

export async function encryptWith(
  params: StreamingAeadParameters,
  { key, associatedData, plaintext, chunkSize }: KeyedBytes & { plaintext: Buffer; chunkSize?: number },
): Promise<Buffer> {
  const { output, error } = await runTransform(
    createStreamingEncryptor({ params, key, associatedData }),
    plaintext,
    chunkSize,
  );
  if (error !== undefined) throw error as Error;
  return output;
}

export function decryptWith(
  params: StreamingAeadParameters,
  { key, associatedData, ciphertext, chunkSize }: KeyedBytes & { ciphertext: Buffer; chunkSize?: number },
): Promise<{ output: Buffer; error: unknown }> {
  return runTransform(createStreamingDecryptor({ params, key, associatedData }), ciphertext, chunkSize);
}

type KeyedBytes = { key: Buffer; associatedData: Buffer };

export function expectIntegrityFailure(error: unknown, context = ''): void {
  expect(
    isErrorWithCode({ error, code: 'vault.integrity_failed' }),
    `expected vault.integrity_failed ${context}, got ${String(error)}`,
  ).toBe(true);
}

export async function expectRejectionCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(isErrorWithCode({ error, code }), `expected ${code}, got ${String(error)}`).toBe(true);
}
