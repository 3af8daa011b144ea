/** A c2sp.org/signed-note signature line: `— <name> <base64(4-byte key ID ‖ signature)>`. */
export type NoteSignature = { name: string; keyIdHex: string };

/** A c2sp.org/tlog-checkpoint: origin, tree size, root hash, then any extension lines. */
export type Checkpoint = {
  origin: string;
  size: number;
  rootHash: string;
  extensions: string[];
  signatures: NoteSignature[];
  note: string;
};

const signaturePrefix = '\u2014 ';

function keyIdHexOf(base64: string): string {
  try {
    const bytes = atob(base64);
    let hex = '';
    for (let offset = 0; offset < Math.min(4, bytes.length); offset += 1)
      hex += bytes.charCodeAt(offset).toString(16).padStart(2, '0');
    return hex;
  } catch {
    return '';
  }
}

/**
 * Reads the checkpoint for display only: the browser verifies nothing (the server is the party being
 * checked), which is why the page points to `writ ledger verify` for the real check.
 */
export function parseCheckpoint(note: string): Checkpoint | undefined {
  const split = note.indexOf('\n\n');
  if (split < 0) return undefined;
  const [origin, sizeText, rootHash, ...extensions] = note.slice(0, split).split('\n');
  const size = Number(sizeText);
  if (origin === undefined || rootHash === undefined || !Number.isSafeInteger(size)) return undefined;
  const signatures = note
    .slice(split + 2)
    .split('\n')
    .filter((line) => line.startsWith(signaturePrefix))
    .map((line) => {
      const [name = '', signature = ''] = line.slice(signaturePrefix.length).split(' ');
      return { name, keyIdHex: keyIdHexOf(signature) };
    });
  return { origin, size, rootHash, extensions, signatures, note };
}

/** ledger.verifier-key.routes.ts `verifierKeyResponse`. */
export type VerifierKey = { verifierKey: string };

/** ledger.schemas.ts `receiptResponse` / `receiptPendingResponse`. */
export type Receipt = { type: 'writ-receipt/v1'; event: string; jws: string; proof: string };
export type ReceiptPending = { status: 'pending'; retryAfterSeconds: number };

/** Saves a file the page made (a receipt) through a temporary object URL. */
export function saveFile(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = fileName;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
