import { decodeBase64Strictly } from './ledger.encoding.js';
import { createProofInvalidError } from './ledger.errors.js';
import { merkleHashSize } from './ledger.merkle.js';

/**
 * Transparency log proofs (c2sp.org/tlog-proof@v1): the header line, an optional `extra` line, `index <n>`,
 * one base64 inclusion-proof hash per line (leaf's sibling first), an empty line, then the checkpoint note
 * verbatim (with any witness cosignatures).
 * @NOTE Handed to users inside receipts and verified offline by third-party tools: the layout is the spec's.
 */
const header = 'c2sp.org/tlog-proof@v1';
const decimal = /^(?:0|[1-9][0-9]*)$/;

export type TlogProof = {
  readonly index: number;
  readonly hashes: readonly Buffer[];
  /** The signed checkpoint note, verbatim. */
  readonly checkpoint: string;
  readonly extra?: Buffer;
};

export function formatTlogProof({ index, hashes, checkpoint, extra }: TlogProof): string {
  const lines = [header];
  if (extra !== undefined) lines.push(`extra ${extra.toString('base64')}`);
  lines.push(`index ${index}`, ...hashes.map((hash) => hash.toString('base64')));
  return `${lines.join('\n')}\n\n${checkpoint}`;
}

function invalid(message: string): never {
  throw createProofInvalidError({ message });
}

export function parseTlogProof(text: string): TlogProof {
  if (typeof text !== 'string') invalid('A tlog-proof is text.');
  const split = text.indexOf('\n\n');
  if (split < 0) invalid('A tlog-proof needs an empty line before its checkpoint.');
  const lines = text.slice(0, split).split('\n');
  const checkpoint = text.slice(split + 2);
  if (lines.shift() !== header) invalid(`A tlog-proof starts with the line "${header}".`);
  let extra: Buffer | undefined;
  if (lines[0]?.startsWith('extra ') === true) {
    extra = decodeBase64Strictly(lines[0].slice('extra '.length));
    if (extra === undefined) invalid('The extra line is not canonical base64.');
    lines.shift();
  }
  const indexLine = lines.shift();
  const indexText = indexLine?.startsWith('index ') === true ? indexLine.slice('index '.length) : '';
  const index = decimal.test(indexText) ? Number(indexText) : Number.NaN;
  if (!Number.isSafeInteger(index))
    invalid('The index line must be "index <decimal>" without leading zeros.');
  const hashes = lines.map((line, position) => {
    const hash = decodeBase64Strictly(line);
    if (hash?.length !== merkleHashSize) {
      invalid(`Inclusion proof hash ${position + 1} is not the base64 of 32 bytes.`);
    }
    return hash;
  });
  if (hashes.length > 63) invalid('An inclusion proof has at most 63 hashes.');
  return { index, hashes, checkpoint, ...(extra === undefined ? {} : { extra }) };
}
