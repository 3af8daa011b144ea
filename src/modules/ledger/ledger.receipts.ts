import { isWritError } from '../../shared/errors/errors.js';
import { openCheckpoint } from './ledger.checkpoint.js';
import { checkCosignatures, type CosignerVerifier } from './ledger.cosignatures.js';
import { decodeUtf8Strictly } from './ledger.encoding.js';
import { verifyInclusion } from './ledger.merkle-verify.js';
import { hashLeaf } from './ledger.merkle.js';
import type { NoteSigner, NoteVerifier } from './ledger.note-keys.js';
import { parseTlogProof } from './ledger.proof.js';

/**
 * Receipts: what a user keeps to prove, offline and to anyone holding the log's verifier key, that an event
 * was recorded. A JSON document `{ type, event, jws, proof }`:
 * - `event`: the entry, its canonical JSON text exactly as logged (the Merkle leaf is SHA-256(0x00 ‖ UTF-8));
 * - `jws`: a compact JWS (RFC 7515, alg EdDSA / RFC 8037) whose payload is the entry bytes, signed with the
 *   log key; `kid` is `<key name>+<hex key ID>`, the start of the published verifier key;
 * - `proof`: a c2sp.org/tlog-proof@v1 text: index, inclusion proof, the signed checkpoint with cosignatures.
 * @NOTE Receipts are handed out and kept for years: the field names, the JWS header and the proof layout
 * never change; a new layout gets a new `type`.
 */
export const receiptType = 'writ-receipt/v1';

export type Receipt = {
  readonly type: typeof receiptType;
  readonly event: string;
  readonly jws: string;
  readonly proof: string;
};

function base64url(bytes: Buffer | string): string {
  return Buffer.from(bytes).toString('base64url');
}

export function jwsKeyId({ name, keyId }: { name: string; keyId: Buffer }): string {
  return `${name}+${keyId.toString('hex')}`;
}

/**
 * A compact JWS over `payload`. The signing input `base64url(header).base64url(payload)` holds no newline,
 * so no JWS signature can be replayed as a signed-note signature (note text always ends in a newline).
 */
export async function signJws({ payload, signer }: { payload: Buffer; signer: NoteSigner }): Promise<string> {
  const header = base64url(JSON.stringify({ alg: 'EdDSA', kid: jwsKeyId(signer) }));
  const signingInput = `${header}.${base64url(payload)}`;
  const signature = await signer.sign(Buffer.from(signingInput, 'ascii'));
  return `${signingInput}.${base64url(signature)}`;
}

const base64urlPattern = /^[A-Za-z0-9_-]*$/;

function decodeBase64url(text: string): Buffer | undefined {
  if (!base64urlPattern.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

export type ReceiptCheck = { readonly name: string; readonly isOk: boolean; readonly message: string };

type Step = (message: string, isOk: boolean) => boolean;

/** The JWS: header alg EdDSA with the trusted key's kid, a valid signature, and a payload equal to `event`. */
function checkJws({
  receipt,
  verifier,
  step,
}: {
  receipt: Receipt;
  verifier: NoteVerifier;
  step: Step;
}): boolean {
  const parts = receipt.jws.split('.');
  const [headerText = '', payloadText = '', signatureText = ''] = parts;
  const headerBytes = decodeBase64url(headerText);
  let header: unknown;
  try {
    header = headerBytes === undefined ? undefined : (JSON.parse(headerBytes.toString('utf8')) as unknown);
  } catch {
    header = undefined;
  }
  const payload = decodeBase64url(payloadText);
  const signature = decodeBase64url(signatureText);
  if (
    parts.length !== 3 ||
    typeof header !== 'object' ||
    header === null ||
    payload === undefined ||
    signature === undefined
  ) {
    return step('jws: not a compact JWS (three base64url parts, a JSON header)', false);
  }
  const { alg, kid } = header as { alg?: unknown; kid?: unknown };
  if (alg !== 'EdDSA') return step(`jws: algorithm ${String(alg)} is not EdDSA`, false);
  if (kid !== jwsKeyId(verifier)) {
    return step(`jws: signed by key ${String(kid)}, not the trusted key ${jwsKeyId(verifier)}`, false);
  }
  const signingInput = Buffer.from(`${headerText}.${payloadText}`, 'ascii');
  if (!step('jws: Ed25519 signature verifies with the log key', verifier.verify(signingInput, signature)))
    return false;
  return step('jws: payload is the event, byte for byte', payload.equals(Buffer.from(receipt.event, 'utf8')));
}

export function parseReceipt(value: unknown): Receipt | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { type, event, jws, proof } = value as Record<string, unknown>;
  if (
    type !== receiptType ||
    typeof event !== 'string' ||
    typeof jws !== 'string' ||
    typeof proof !== 'string'
  ) {
    return undefined;
  }
  return { type, event, jws, proof };
}

/**
 * Verifies a receipt with nothing but the log's verifier key (and, optionally, trusted witness keys): the
 * JWS, the leaf hash of the event, the inclusion proof against the checkpoint root, the checkpoint's
 * signature, and at least `minWitnesses` valid cosignatures. Every check is reported; `isValid` only when all pass.
 */
export function verifyReceipt({
  receipt: input,
  verifier,
  witnesses = [],
  minWitnesses = 0,
}: {
  receipt: unknown;
  verifier: NoteVerifier;
  witnesses?: readonly CosignerVerifier[];
  minWitnesses?: number;
}): { isValid: boolean; checks: ReceiptCheck[] } {
  const checks: ReceiptCheck[] = [];
  const step: Step = (message, isOk) => {
    checks.push({ name: message.split(':')[0] ?? message, isOk, message });
    return isOk;
  };
  const done = () => ({ isValid: checks.every((check) => check.isOk), checks });
  const receipt = parseReceipt(input);
  if (!step(`receipt: a ${receiptType} document with event, jws and proof`, receipt !== undefined))
    return done();
  if (receipt === undefined) return done();
  const eventBytes = Buffer.from(receipt.event, 'utf8');
  step('event: valid UTF-8 text', decodeUtf8Strictly(eventBytes) === receipt.event);
  checkJws({ receipt, verifier, step });

  let proof;
  try {
    proof = parseTlogProof(receipt.proof);
  } catch (error) {
    step(`proof: ${isWritError(error) ? error.message : 'unreadable'}`, false);
    return done();
  }
  let checkpoint;
  try {
    ({ checkpoint } = openCheckpoint({
      note: proof.checkpoint,
      origin: verifier.name,
      verifiers: [verifier],
    }));
  } catch (error) {
    step(
      `checkpoint: does not verify with the log key (${isWritError(error) ? error.message : 'unreadable'})`,
      false,
    );
    return done();
  }
  step(
    `checkpoint: signed by ${jwsKeyId(verifier)} for ${checkpoint.origin} at size ${checkpoint.size}`,
    true,
  );
  step(
    `inclusion: entry ${proof.index} is in the tree of ${checkpoint.size} entries with the signed root`,
    verifyInclusion({
      leafHash: hashLeaf(eventBytes),
      leafIndex: proof.index,
      treeSize: checkpoint.size,
      proof: proof.hashes,
      rootHash: checkpoint.rootHash,
    }),
  );
  if (minWitnesses > 0 || witnesses.length > 0) {
    const { valid, invalid } = checkCosignatures({ note: proof.checkpoint, witnesses });
    for (const bad of invalid) step(`witnesses: the cosignature by ${bad.name} does not verify`, false);
    step(
      `witnesses: ${valid.length} valid cosignature(s) from trusted witnesses, ${minWitnesses} required`,
      valid.length >= minWitnesses,
    );
  }
  return done();
}
