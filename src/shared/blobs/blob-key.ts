import { createBlobKeyInvalidError, createBlobRangeInvalidError } from './blob-store.errors.js';

const segmentPattern = /^[a-z0-9_-]{1,100}$/;
const partialSegmentPattern = /^[a-z0-9_-]{0,100}$/;
const maxSegments = 8;

/**
 * A key is at most 8 `/`-separated segments of `[a-z0-9_-]{1,100}`. No dots means no `.`/`..` and no
 * clash with the filesystem store's `.incomplete` directory; no empty segment means no leading, trailing
 * or doubled slash, so a key maps onto a path under the root and never outside it.
 */
export function isValidBlobKey(key: string): boolean {
  const segments = key.split('/');
  return segments.length <= maxSegments && segments.every((segment) => segmentPattern.test(segment));
}

export function assertValidBlobKey(key: string): void {
  if (!isValidBlobKey(key)) throw createBlobKeyInvalidError({ details: { key: key.slice(0, 200) } });
}

/** A list prefix is a key cut anywhere (`content/`, `content/mat_`) or empty. */
export function assertValidBlobKeyPrefix(prefix: string): void {
  const segments = prefix.split('/');
  const last = segments.pop() ?? '';
  const valid =
    segments.length < maxSegments &&
    segments.every((segment) => segmentPattern.test(segment)) &&
    partialSegmentPattern.test(last);
  if (!valid) throw createBlobKeyInvalidError({ details: { prefix: prefix.slice(0, 200) } });
}

/** Ranges are half-open, [start, end), in whole bytes; an empty range (start === end) is valid. */
export function assertValidByteRange({ start, end }: { start: number; end: number }): void {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw createBlobRangeInvalidError({ details: { start, end } });
  }
}
