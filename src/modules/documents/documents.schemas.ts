import { Type } from 'typebox';

export const idField = Type.String({ pattern: '^[a-z]{2,5}_[0-9a-z]{26}$', maxLength: 32 });
// Longer than allowed, so that the use-case can say what is wrong; still bounded.
const nameField = Type.String({ minLength: 1, maxLength: 1024 });

export const matterParams = Type.Object({ matterId: idField });
export const folderParams = Type.Object({ matterId: idField, folderId: idField });
export const documentParams = Type.Object({ documentId: idField });
export const memberParams = Type.Object({ matterId: idField, userId: idField });

export const setMatterStatusBody = Type.Object(
  { status: Type.String({ maxLength: 32 }) },
  { additionalProperties: false },
);

export const createMatterBody = Type.Object({ name: nameField }, { additionalProperties: false });

export const matterResponse = Type.Object({
  id: Type.String(),
  name: Type.String(),
  status: Type.String(),
  rootFolderId: Type.String(),
  quotaBytes: Type.Optional(Type.Number()),
  usedBytes: Type.Number(),
  createdAt: Type.String({ format: 'date-time' }),
  /** Absent for those who act on the matter without a membership (compliance). */
  myRole: Type.Optional(Type.String()),
  classification: Type.String(),
});
export const matterListResponse = Type.Object({ matters: Type.Array(matterResponse) });

export const setMemberBody = Type.Object(
  {
    role: Type.String({ maxLength: 32 }),
    expiresAt: Type.Optional(Type.String({ format: 'date-time', maxLength: 64 })),
    /** Names the member for highly sensitive content (assistants need it); omitted: not named. */
    namedForHighlySensitive: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export const memberResponse = Type.Object({
  userId: Type.String(),
  role: Type.String(),
  addedAt: Type.String({ format: 'date-time' }),
  expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
  namedForHighlySensitive: Type.Boolean(),
});
export const memberListResponse = Type.Object({ members: Type.Array(memberResponse) });

export const createFolderBody = Type.Object(
  { name: nameField, parentId: Type.Optional(idField) },
  { additionalProperties: false },
);
/** Why a move lowers the label the item inherits: required then (owners only), ignored otherwise. */
const moveReasonField = Type.Optional(Type.String({ maxLength: 4000 }));

export const updateFolderBody = Type.Object(
  { name: Type.Optional(nameField), parentId: Type.Optional(idField), reason: moveReasonField },
  { additionalProperties: false, minProperties: 1 },
);
export const folderResponse = Type.Object({
  id: Type.String(),
  matterId: Type.String(),
  parentId: Type.Optional(Type.String()),
  name: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  trashedAt: Type.Optional(Type.String({ format: 'date-time' })),
  /** The effective label: its own, or inherited (then `classificationIsInherited`). */
  classification: Type.String(),
  classificationIsInherited: Type.Boolean(),
});

export const documentResponse = Type.Object({
  id: Type.String(),
  matterId: Type.String(),
  folderId: Type.String(),
  name: Type.String(),
  currentVersion: Type.Integer(),
  size: Type.Number(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  trashedAt: Type.Optional(Type.String({ format: 'date-time' })),
  /** The effective label: its own, or inherited (then `classificationIsInherited`). */
  classification: Type.String(),
  classificationIsInherited: Type.Boolean(),
});

export const versionResponse = Type.Object({
  id: Type.String(),
  documentId: Type.String(),
  version: Type.Integer(),
  size: Type.Number(),
  sha256: Type.String(),
  mediaType: Type.String(),
  uploadedBy: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
});

export const folderListingResponse = Type.Object({
  folder: folderResponse,
  path: Type.Array(folderResponse),
  folders: Type.Array(folderResponse),
  documents: Type.Array(documentResponse),
});

export const trashResponse = Type.Object({
  folders: Type.Array(folderResponse),
  documents: Type.Array(documentResponse),
});

export const documentWithVersionsResponse = Type.Object({
  document: documentResponse,
  versions: Type.Array(versionResponse),
});

export const uploadResponse = Type.Object({
  document: documentResponse,
  version: versionResponse,
  created: Type.Boolean(),
  /** The upload's receipt (JWS + inclusion proof), ready once the ledger has sequenced the event. */
  receiptUrl: Type.String(),
});

export const uploadQuery = Type.Object(
  {
    name: Type.Optional(nameField),
    folderId: Type.Optional(idField),
    mediaType: Type.Optional(Type.String({ maxLength: 255 })),
  },
  { additionalProperties: false },
);

export const versionUploadQuery = Type.Object(
  { mediaType: Type.Optional(Type.String({ maxLength: 255 })) },
  { additionalProperties: false },
);

export const contentQuery = Type.Object(
  {
    version: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,8}$' })),
    disposition: Type.Optional(Type.Union([Type.Literal('attachment'), Type.Literal('inline')])),
  },
  { additionalProperties: false },
);

export const updateDocumentBody = Type.Object(
  { name: Type.Optional(nameField), folderId: Type.Optional(idField), reason: moveReasonField },
  { additionalProperties: false, minProperties: 1 },
);

export const rotationResponse = Type.Object({ rewrapped: Type.Integer() });

export const setClassificationBody = Type.Object(
  {
    /** `inherit` clears a folder's or document's own label (not allowed on a matter). */
    classification: Type.Union([
      Type.Literal('public'),
      Type.Literal('internal'),
      Type.Literal('highly_sensitive'),
      Type.Literal('inherit'),
    ]),
    // Longer than allowed, so that the use-case can say what is wrong; still bounded.
    reason: Type.Optional(Type.String({ maxLength: 4000 })),
  },
  { additionalProperties: false },
);

export const classificationResponse = Type.Object({
  matterId: Type.String(),
  itemType: Type.String(),
  itemId: Type.String(),
  classification: Type.String(),
  classificationIsInherited: Type.Boolean(),
  /** Absent when nothing changed. */
  changeId: Type.Optional(Type.String()),
});

export const accessRequestParams = Type.Object({ matterId: idField, requestId: idField });
export const submitAccessRequestBody = Type.Object(
  {
    role: Type.Union([Type.Literal('viewer'), Type.Literal('editor')]),
    reason: Type.String({ minLength: 1, maxLength: 1000 }),
  },
  { additionalProperties: false },
);
/** The same answer whether or not the matter exists or the request was stored. */
export const accessRequestSubmittedResponse = Type.Object({ status: Type.Literal('submitted') });
export const pendingAccessRequestListResponse = Type.Object({
  requests: Type.Array(
    Type.Object({
      id: Type.String(),
      requesterId: Type.String(),
      role: Type.String(),
      reason: Type.String(),
      createdAt: Type.String({ format: 'date-time' }),
    }),
  ),
});
export const awaitingAccessRequestListResponse = Type.Object({
  requests: Type.Array(
    Type.Object({
      id: Type.String(),
      matterId: Type.String(),
      matterName: Type.String(),
      requesterId: Type.String(),
      role: Type.String(),
      reason: Type.String(),
      createdAt: Type.String({ format: 'date-time' }),
    }),
  ),
});
export const myAccessRequestListResponse = Type.Object({
  requests: Type.Array(
    Type.Object({
      id: Type.String(),
      matterId: Type.String(),
      role: Type.String(),
      status: Type.String(),
      createdAt: Type.String({ format: 'date-time' }),
      decidedAt: Type.Optional(Type.String({ format: 'date-time' })),
      expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
      /** Only once approved, and while the requester may see the matter. */
      matterName: Type.Optional(Type.String()),
    }),
  ),
});
export const approveAccessRequestBody = Type.Object(
  { expiresAt: Type.Optional(Type.String({ format: 'date-time', maxLength: 64 })) },
  { additionalProperties: false },
);
export const accessRequestDecisionResponse = Type.Object({
  id: Type.String(),
  status: Type.String(),
  expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
});
