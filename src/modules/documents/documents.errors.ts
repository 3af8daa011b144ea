import { createErrorFactory } from '../../shared/errors/errors.js';

/**
 * A matter, folder, document or version that does not exist or that the caller may not see: one answer for
 * both, so that responses do not reveal what exists.
 */
export const createMatterNotFoundError = createErrorFactory({
  code: 'documents.matter_not_found',
  status: 404,
  message: 'There is no such matter, or you do not have access to it.',
});

export const createFolderNotFoundError = createErrorFactory({
  code: 'documents.folder_not_found',
  status: 404,
  message: 'There is no such folder, or you do not have access to it.',
});

export const createDocumentNotFoundError = createErrorFactory({
  code: 'documents.document_not_found',
  status: 404,
  message: 'There is no such document, or you do not have access to it.',
});

export const createVersionNotFoundError = createErrorFactory({
  code: 'documents.version_not_found',
  status: 404,
  message: 'This document has no such version.',
});

/** The caller can see the matter but their role does not allow this act. */
export const createMatterActionForbiddenError = createErrorFactory({
  code: 'documents.action_forbidden',
  status: 403,
  message: 'Your role in this matter does not allow this.',
});

export const createMatterCreationForbiddenError = createErrorFactory({
  code: 'documents.matter_creation_forbidden',
  status: 403,
  message: 'Only lawyers can open a matter.',
});

export const createNameInvalidError = createErrorFactory({
  code: 'documents.name_invalid',
  status: 400,
  message:
    'A name is 1 to 255 characters without slashes, backslashes or control characters, and is not "." or "..".',
});

export const createNameTakenError = createErrorFactory({
  code: 'documents.name_taken',
  status: 409,
  message: 'This folder already holds a document or folder with this name.',
});

export const createFolderMoveInvalidError = createErrorFactory({
  code: 'documents.folder_move_invalid',
  status: 409,
  message: 'A folder cannot be moved into itself or one of its subfolders, and the root folder cannot move.',
});

export const createChecksumInvalidError = createErrorFactory({
  code: 'documents.checksum_invalid',
  status: 400,
  message: 'The expected SHA-256 must be 64 hexadecimal characters.',
});

/** The content received does not have the SHA-256 the client announced: nothing was stored. */
export const createChecksumMismatchError = createErrorFactory({
  code: 'documents.checksum_mismatch',
  status: 422,
  message: 'The uploaded content does not match the SHA-256 you sent. Nothing was stored; upload it again.',
});

export const createUploadTooLargeError = createErrorFactory({
  code: 'documents.upload_too_large',
  status: 413,
  message: 'This file is larger than the maximum upload size.',
});

export const createQuotaExceededError = createErrorFactory({
  code: 'documents.quota_exceeded',
  status: 413,
  message: "This upload would exceed the matter's storage quota. Nothing was stored.",
});

/**
 * The client stopped sending before the end (disconnect, or fewer bytes than Content-Length), or the upload
 * ran so long that the abandoned-upload sweep removed it before it committed.
 */
export const createUploadIncompleteError = createErrorFactory({
  code: 'documents.upload_incomplete',
  status: 400,
  message: 'The upload ended before all of the file arrived. Nothing was stored; upload it again.',
});

export const createUploadMissingFileError = createErrorFactory({
  code: 'documents.upload_missing_file',
  status: 400,
  message: 'The upload holds no file part.',
});

export const createDocumentTrashedError = createErrorFactory({
  code: 'documents.document_trashed',
  status: 409,
  message: 'This document is in the trash. Restore it first.',
});

export const createMatterStatusInvalidError = createErrorFactory({
  code: 'documents.matter_status_invalid',
  status: 400,
  message: 'A matter status is open, closed or archived.',
});

export const createPartyKindInvalidError = createErrorFactory({
  code: 'documents.party_kind_invalid',
  status: 400,
  message: 'A party is a client, an opposing_party or other.',
});

export const createPartyNotFoundError = createErrorFactory({
  code: 'documents.party_not_found',
  status: 404,
  message: 'This matter has no such party.',
});

export const createMatterClosedError = createErrorFactory({
  code: 'documents.matter_closed',
  status: 409,
  message: 'This matter is closed or archived: its documents can be read but not changed.',
});

export const createMemberRoleInvalidError = createErrorFactory({
  code: 'documents.member_role_invalid',
  status: 400,
  message: 'A member role is owner, editor or viewer.',
});

export const createUserNotFoundError = createErrorFactory({
  code: 'documents.user_not_found',
  status: 404,
  message: 'There is no such user.',
});

export const createLastOwnerError = createErrorFactory({
  code: 'documents.last_owner',
  status: 409,
  message: 'A matter keeps at least one owner.',
});

/** Two uploads of the same document finished at once; the other one became this version number. */
export const createVersionConflictError = createErrorFactory({
  code: 'documents.version_conflict',
  status: 409,
  message: 'Another upload of this document finished at the same time. Nothing was stored; upload it again.',
});

/** Lowering a classification needs a reason of 1 to 1000 characters. */
export const createClassificationReasonRequiredError = createErrorFactory({
  code: 'documents.classification_reason_required',
  status: 400,
  message: 'Lowering a classification needs a reason (1 to 1000 characters).',
});

/**
 * A move would lower the label a folder or document inherits (into a less classified folder), and the
 * caller is not an owner of the matter: only owners lower a classification, by a move or explicitly.
 */
export const createClassificationLoweringRequiresOwnerError = createErrorFactory({
  code: 'documents.classification_lowering_requires_owner',
  status: 403,
  message:
    "Moving this item there would lower its classification, which only the matter's owners may do. Ask an owner to move it, or give it its own label first.",
});

/** `inherit` was asked for a matter, which has nothing to inherit from. */
export const createClassificationInvalidError = createErrorFactory({
  code: 'documents.classification_invalid',
  status: 400,
  message:
    'A classification is public, internal or highly_sensitive; folders and documents may also inherit.',
});

/** An owner tried to grant access to someone an ethical wall screens from the matter. */
export const createGranteeScreenedError = createErrorFactory({
  code: 'documents.grantee_screened',
  status: 409,
  message:
    "This person is screened from this matter by the firm's compliance officer (an ethical wall): they cannot be given access to it.",
});

/** Administrators and auditors never hold matter memberships: they run accounts or read reports, not content. */
export const createGranteeNotEligibleError = createErrorFactory({
  code: 'documents.grantee_not_eligible',
  status: 409,
  message:
    'Administrators and auditors cannot be members of a matter: administrators manage accounts and auditors read reports, never matter content.',
});

export const createAccessRequestInvalidError = createErrorFactory({
  code: 'documents.access_request_invalid',
  status: 400,
  message: 'An access request asks for viewer or editor and gives a reason of 1 to 1000 characters.',
});

export const createAccessRequestNotFoundError = createErrorFactory({
  code: 'documents.access_request_not_found',
  status: 404,
  message: 'There is no such access request on this matter.',
});

/** Approving or denying a request that was already approved, denied or withdrawn. */
export const createAccessRequestDecidedError = createErrorFactory({
  code: 'documents.access_request_decided',
  status: 409,
  message: 'This access request was already decided.',
});

/**
 * Approving would leave the requester with less than they hold now: a lower role than their current
 * membership, or a grant that ends sooner (or ends, where theirs does not).
 */
export const createAccessRequestWouldReduceAccessError = createErrorFactory({
  code: 'documents.access_request_would_reduce_access',
  status: 409,
  message:
    'This person already holds a higher role in this matter, or a grant that lasts longer: approving would reduce their access. Deny the request, or change their membership directly.',
});

/** The caller has too many access requests waiting, or submitted too many today (`accessRequestLimits`). */
export const createTooManyAccessRequestsError = createErrorFactory({
  code: 'documents.too_many_access_requests',
  status: 429,
  message:
    'You have too many access requests waiting or sent too many today. Withdraw one, or wait for the owners to decide.',
});

export const createGrantExpiryInvalidError = createErrorFactory({
  code: 'documents.grant_expiry_invalid',
  status: 400,
  message: 'A grant must end in the future.',
});
