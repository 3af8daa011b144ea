import { createErrorFactory } from '../../shared/errors/errors.js';

/** An inclusion proof was asked for a leaf at or beyond the tree size, or a consistency proof from a larger size to a smaller one. */
export const createProofRequestInvalidError = createErrorFactory({
  code: 'ledger.proof_request_invalid',
  status: 400,
  message:
    'A proof needs a leaf index below the tree size, or an old tree size no larger than the new one, both within the log.',
});

/** A proof needed a stored subtree hash the store cannot give: the tree is smaller than asked, or storage lost data. */
export const createSubtreeUnavailableError = createErrorFactory({
  code: 'ledger.subtree_unavailable',
  status: 500,
  message: 'A subtree hash the ledger needs is not available.',
  isInternal: true,
});

/** The text is not a well-formed signed note (c2sp.org/signed-note): encoding, layout or a signature line. */
export const createNoteInvalidError = createErrorFactory({
  code: 'ledger.note_invalid',
  status: 400,
  message: 'This is not a well-formed signed note.',
});

/** No signature on the note is from a trusted key, so its text must be ignored. */
export const createNoteUnverifiedError = createErrorFactory({
  code: 'ledger.note_unverified',
  status: 422,
  message: 'The note carries no signature from a trusted key.',
});

/** A signature names a trusted key (name and key ID) but does not verify: the whole note is rejected. */
export const createSignatureInvalidError = createErrorFactory({
  code: 'ledger.signature_invalid',
  status: 422,
  message: 'A signature from a trusted key does not verify.',
});

/** A verifier key is not `<name>+<8 hex digits>+<base64(0x01 ‖ Ed25519 public key)>` with a matching key ID. */
export const createVerifierKeyInvalidError = createErrorFactory({
  code: 'ledger.verifier_key_invalid',
  status: 400,
  message: 'This is not a valid Ed25519 note verifier key.',
});

/** A note signer has an invalid name or key ID, or returned something that is not an Ed25519 signature. */
export const createSignerInvalidError = createErrorFactory({
  code: 'ledger.signer_invalid',
  status: 500,
  message: 'The note signer is misconfigured.',
  isInternal: true,
});

/** The note text is not a checkpoint body (c2sp.org/tlog-checkpoint): origin, size, root hash or extension lines. */
export const createCheckpointInvalidError = createErrorFactory({
  code: 'ledger.checkpoint_invalid',
  status: 400,
  message: 'This is not a well-formed checkpoint.',
});

/** A correctly signed checkpoint belongs to another log than the one the caller asked about. */
export const createCheckpointOriginMismatchError = createErrorFactory({
  code: 'ledger.checkpoint_origin_mismatch',
  status: 422,
  message: 'This checkpoint is for a different log.',
});

/** A tile path is not in the c2sp.org/tlog-tiles layout (`tile/<L>/<N>[.p/<W>]`, `tile/entries/<N>[.p/<W>]`). */
export const createTilePathInvalidError = createErrorFactory({
  code: 'ledger.tile_path_invalid',
  status: 400,
  message: 'This is not a tile path of the tlog-tiles layout.',
});

/** The tile asked for is beyond the current tree: not (yet) that many hashes or entries. */
export const createTileNotFoundError = createErrorFactory({
  code: 'ledger.tile_not_found',
  status: 404,
  message: 'The log has no such tile yet.',
});

/** No checkpoint has been signed yet (the sequencer has not run once). */
export const createCheckpointNotFoundError = createErrorFactory({
  code: 'ledger.checkpoint_not_found',
  status: 404,
  message: 'The log has no checkpoint yet.',
});

/** A PostgreSQL role name given to `writ ledger grants` is not a plain SQL identifier. */
export const createRoleNameInvalidError = createErrorFactory({
  code: 'ledger.role_name_invalid',
  status: 400,
  message: 'A role name is 1 to 63 letters, digits or underscores, starting with a letter or an underscore.',
});

/** A receipt's proof is not a c2sp.org/tlog-proof@v1 text. */
export const createProofInvalidError = createErrorFactory({
  code: 'ledger.proof_invalid',
  status: 400,
  message: 'This is not a well-formed tlog-proof.',
});

/** No entry with this id was recorded by the caller (or at all): receipts are only for the event's actor. */
export const createReceiptNotFoundError = createErrorFactory({
  code: 'ledger.receipt_not_found',
  status: 404,
  message: 'There is no receipt for this entry.',
});

/** A witness key in WRIT_LEDGER_WITNESSES or `--witness-key` is not `<name>+<key id>+<base64(0x04 ‖ key)>`. */
export const createCosignerKeyInvalidError = createErrorFactory({
  code: 'ledger.cosigner_key_invalid',
  status: 400,
  message: 'This is not a valid Ed25519 cosigner key (c2sp.org/tlog-cosignature, type 0x04).',
});

/** A cosignature names a configured witness but does not verify over the checkpoint: nothing is stored. */
export const createCosignatureInvalidError = createErrorFactory({
  code: 'ledger.cosignature_invalid',
  status: 400,
  message: 'A cosignature from a configured witness does not verify.',
});

/** The submission carries no cosignature from a configured witness. */
export const createCosignatureMissingError = createErrorFactory({
  code: 'ledger.cosignature_missing',
  status: 400,
  message: 'The submission carries no cosignature from a witness this log accepts.',
});

/** The cosigned checkpoint is not one this log signed (unknown size, or different text at that size). */
export const createCosignedCheckpointUnknownError = createErrorFactory({
  code: 'ledger.cosigned_checkpoint_unknown',
  status: 422,
  message: 'The cosigned checkpoint is not one this log issued.',
});

/** WRIT_LEDGER_ORIGIN names another log than the one this database holds: a log's name cannot change. */
export const createOriginChangedError = createErrorFactory({
  code: 'ledger.origin_changed',
  status: 500,
  message: 'The configured ledger name differs from the name of the ledger this database holds.',
});
