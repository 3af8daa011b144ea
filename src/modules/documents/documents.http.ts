import type { ByteRangeRequest } from './documents.downloads.usecases.js';
import { createChecksumInvalidError } from './documents.errors.js';

/**
 * Parses a `Range` header (RFC 9110 §14.2) into one byte range. Anything else (another unit, several
 * ranges, a malformed value) is ignored, as the RFC allows, and the whole content is sent.
 */
export function parseRangeHeader(header: string | undefined): ByteRangeRequest | undefined {
  const match = header === undefined ? null : /^bytes=(\d{0,15})-(\d{0,15})$/.exec(header.trim());
  if (match === null) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  if (first === '') return { suffixLength: Number(last) };
  const start = Number(first);
  if (last === '') return { start };
  const end = Number(last);
  return end < start ? undefined : { start, end };
}

/**
 * A Content-Disposition value that cannot break the header or the client's file system: an ASCII
 * fallback with every risky character replaced, and the exact name in RFC 8187 encoding.
 */
export function contentDisposition(type: 'attachment' | 'inline', name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%;/]/g, '_') || 'document';
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${type}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/**
 * The SHA-256 a client expects, from `Repr-Digest: sha-256=:<base64>:` (RFC 9530) or
 * `X-Content-SHA256: <hex>`, as lowercase hex; undefined when neither is sent.
 */
export function expectedSha256FromHeaders(
  headers: Record<string, string | string[] | undefined>,
): string | undefined {
  const hex = headers['x-content-sha256'];
  if (typeof hex === 'string') return hex.trim().toLowerCase();
  const repr = headers['repr-digest'];
  if (typeof repr !== 'string') return undefined;
  const match = /(?:^|,)\s*sha-256=:([A-Za-z0-9+/]{43}=):/.exec(repr);
  if (match?.[1] === undefined) throw createChecksumInvalidError();
  return Buffer.from(match[1], 'base64').toString('hex');
}

export function reprDigestHeader(sha256Hex: string): string {
  return `sha-256=:${Buffer.from(sha256Hex, 'hex').toString('base64')}:`;
}

/** Media types a browser may show inline (previews); everything else is only ever downloaded. */
export const inlineMediaTypes: ReadonlySet<string> = new Set([
  'application/pdf',
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
]);
