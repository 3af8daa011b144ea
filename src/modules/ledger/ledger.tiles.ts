import type { Kysely } from 'kysely';
import { createError } from '../../shared/errors/errors.js';
import type { WritDatabase } from '../database.js';
import { createTileNotFoundError, createTilePathInvalidError } from './ledger.errors.js';
import { maxEntryBytes } from './ledger.models.js';

/**
 * Tiles of c2sp.org/tlog-tiles: hash tiles of height 8 (tile L holds the level-8L node hashes) and entry
 * bundles, each 256 wide when full, `.p/<W>` when partial. Stored node hashes never change, so a tile's
 * bytes never change either: a partial tile is a prefix of the full one.
 * @NOTE The path encoding and byte layouts are the spec's; clients on other implementations read them.
 */
export const tileHeight = 8;
export const tileWidth = 2 ** tileHeight;
// Level 8 × 6 = 48 covers every tree size below 2^53, the largest a JavaScript number holds exactly.
export const maxTileLevel = 6;

export type TileRequest = {
  /** Hash tiles: the tile level L; entry bundles: 'entries'. */
  kind: 'hashes' | 'entries';
  level: number;
  index: number;
  width: number;
  isPartial: boolean;
};

const levelPattern = /^(?:0|[1-9][0-9]?)$/;
const widthPattern = /^[1-9][0-9]{0,2}$/;

/**
 * Parses what follows `/ledger/tile/`. N is written in three-digit groups, all but the last prefixed `x`
 * (`x001/x234/067`); only the one canonical spelling is accepted, so each tile has exactly one URL.
 */
export function parseTilePath(path: string): TileRequest {
  const parts = path.split('/');
  const [first, ...rest] = parts;
  if (first === undefined) throw createTilePathInvalidError();
  let kind: TileRequest['kind'];
  let level = 0;
  if (first === 'entries') {
    kind = 'entries';
  } else if (levelPattern.test(first) && Number(first) <= maxTileLevel) {
    kind = 'hashes';
    level = Number(first);
  } else {
    throw createTilePathInvalidError();
  }
  let width = tileWidth;
  let isPartial = false;
  let indexParts = rest;
  const last = rest.at(-1);
  const beforeLast = rest.at(-2);
  if (beforeLast?.endsWith('.p') === true && last !== undefined) {
    if (!widthPattern.test(last) || Number(last) >= tileWidth) throw createTilePathInvalidError();
    width = Number(last);
    isPartial = true;
    indexParts = [...rest.slice(0, -2), beforeLast.slice(0, -2)];
  }
  return { kind, level, index: parseTileIndex(indexParts), width, isPartial };
}

function parseTileIndex(parts: readonly string[]): number {
  if (parts.length === 0 || parts.length > 5) throw createTilePathInvalidError();
  let index = 0;
  parts.forEach((part, position) => {
    const isLast = position === parts.length - 1;
    const digits = isLast ? part : part.startsWith('x') ? part.slice(1) : '';
    if (!/^[0-9]{3}$/.test(digits)) throw createTilePathInvalidError();
    if (position === 0 && parts.length > 1 && digits === '000') throw createTilePathInvalidError();
    index = index * 1000 + Number(digits);
  });
  if (!Number.isSafeInteger(index)) throw createTilePathInvalidError();
  return index;
}

/** The tile's bytes, or `ledger.tile_not_found` when the tree of `treeSize` leaves does not have it whole. */
export async function readTile({
  db,
  tile,
  treeSize,
}: {
  db: Kysely<WritDatabase>;
  tile: TileRequest;
  treeSize: number;
}): Promise<Buffer> {
  const nodeLevel = tile.kind === 'entries' ? 0 : tile.level * tileHeight;
  const available = Math.floor(treeSize / 2 ** nodeLevel);
  const first = tile.index * tileWidth;
  if (first + tile.width > available) throw createTileNotFoundError();
  const last = first + tile.width - 1;
  if (tile.kind === 'hashes') {
    const rows = await db
      .selectFrom('ledger_subtrees')
      .select(['idx', 'hash'])
      .where('level', '=', nodeLevel)
      .where('idx', '>=', first)
      .where('idx', '<=', last)
      .orderBy('idx')
      .execute();
    if (rows.length !== tile.width) throw createTileNotFoundError();
    return Buffer.concat(rows.map((row) => row.hash));
  }
  const rows = await db
    .selectFrom('ledger_entries')
    .select(['idx', 'entry'])
    .where('idx', '>=', first)
    .where('idx', '<=', last)
    .orderBy('idx')
    .execute();
  if (rows.length !== tile.width) throw createTileNotFoundError();
  return encodeEntryBundle(rows.map((row) => Buffer.from(row.entry, 'utf8')));
}

/** Each entry as a big-endian uint16 length and its bytes (c2sp.org/tlog-tiles entry bundles). */
export function encodeEntryBundle(entries: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    if (entry.length > maxEntryBytes) {
      throw createError({
        code: 'ledger.entry_too_large',
        status: 500,
        isInternal: true,
        message: `A stored entry of ${entry.length} bytes cannot be put in an entry bundle.`,
      });
    }
    const length = Buffer.alloc(2);
    length.writeUInt16BE(entry.length);
    parts.push(length, entry);
  }
  return Buffer.concat(parts);
}

/** The canonical path of a tile below `tile/`: `<L or entries>/<x001/x234/>067[.p/<W>]`. */
export function formatTilePath({ kind, level, index, width }: Omit<TileRequest, 'isPartial'>): string {
  const groups: string[] = [];
  let rest = index;
  do {
    groups.unshift(String(rest % 1000).padStart(3, '0'));
    rest = Math.floor(rest / 1000);
  } while (rest > 0);
  const path = groups
    .map((group, position) => (position < groups.length - 1 ? `x${group}` : group))
    .join('/');
  const partial = width < tileWidth ? `.p/${width}` : '';
  return `${kind === 'entries' ? 'entries' : String(level)}/${path}${partial}`;
}

/** Splits an entry bundle into its entries; undefined when the bytes are not `count` length-prefixed entries. */
export function decodeEntryBundle(bundle: Buffer): Buffer[] | undefined {
  const entries: Buffer[] = [];
  let offset = 0;
  while (offset < bundle.length) {
    if (offset + 2 > bundle.length) return undefined;
    const length = bundle.readUInt16BE(offset);
    if (offset + 2 + length > bundle.length) return undefined;
    entries.push(bundle.subarray(offset + 2, offset + 2 + length));
    offset += 2 + length;
  }
  return entries;
}
