import { generateKeyPairSync, sign } from 'node:crypto';
import {
  computeCosignerKeyId,
  cosignedMessage,
  formatCosignatureLine,
  formatCosignerKey,
} from './ledger.cosignatures.js';
import { parseNote } from './ledger.note.js';
import { exportEd25519PublicKey } from './ledger.test-utils.js';

/** A witness holding its key in memory, for tests: cosigns a checkpoint note as tlog-witness would. */
export function createTestCosigner({ name }: { name: string }) {
  const { privateKey } = generateKeyPairSync('ed25519');
  const publicKey = exportEd25519PublicKey(privateKey);
  const keyId = computeCosignerKeyId({ name, publicKey });
  return {
    name,
    verifierKey: formatCosignerKey({ name, publicKey }),
    /** The signature line (the add-checkpoint response) over the checkpoint text of `note`. */
    cosign(note: string, timestamp = 1_700_000_000): string {
      const { text } = parseNote(note);
      const signature = sign(null, cosignedMessage({ checkpointText: text, timestamp }), privateKey);
      return formatCosignatureLine({ name, keyId, timestamp, signature });
    },
  };
}
