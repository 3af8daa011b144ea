/**
 * The ledger's public contract for whoever holds its signing key (the vault) or checks its notes: the
 * `NoteSigner` the vault implements, and the pure signed-note functions both sides agree on.
 */
export {
  computeNoteKeyId,
  formatVerifierKey,
  type NoteSigner,
  parseVerifierKey,
} from './ledger.note-keys.js';
export { openNote, signNote } from './ledger.note.js';
