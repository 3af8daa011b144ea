import type { EventActor } from '../ledger/ledger.models.js';

/**
 * The documents module's events. Payloads hold ids, sizes and commitments, never a name or a raw hash:
 * `contentCommitment` is SHA-256(salt ‖ sha256) and the salt is sealed with the version, so that an
 * authorised user can open the commitment and nobody else can confirm a guess of the content.
 * @NOTE Kinds and payloads are part of the audit trail: never rename a kind or change a payload's meaning.
 */
export type DocumentsEvent =
  | { kind: 'documents.matter_created'; actor: EventActor; data: { matterId: string } }
  /** The client or another party was recorded on a matter (the name is sealed, never on the ledger). */
  | {
      kind: 'documents.party_added';
      actor: EventActor;
      data: { matterId: string; partyId: string; kind: string };
    }
  | { kind: 'documents.party_removed'; actor: EventActor; data: { matterId: string; partyId: string } }
  /** A matter was closed (read-only), archived, or reopened. */
  | {
      kind: 'documents.matter_status_changed';
      actor: EventActor;
      data: { matterId: string; from: string; to: string };
    }
  | {
      kind: 'documents.member_added';
      actor: EventActor;
      /**
       * `expiresAt` (ISO time) only for a grant that ends; `namedForHighlySensitive` only when the grant
       * names the member for highly sensitive content.
       */
      data: {
        matterId: string;
        userId: string;
        role: string;
        expiresAt?: string;
        namedForHighlySensitive?: boolean;
      };
    }
  | { kind: 'documents.member_removed'; actor: EventActor; data: { matterId: string; userId: string } }
  | {
      kind: 'documents.folder_created';
      actor: EventActor;
      data: { matterId: string; folderId: string; parentId: string };
    }
  | { kind: 'documents.folder_renamed'; actor: EventActor; data: { matterId: string; folderId: string } }
  | {
      kind: 'documents.folder_moved';
      actor: EventActor;
      data: { matterId: string; folderId: string; parentId: string };
    }
  | { kind: 'documents.folder_trashed'; actor: EventActor; data: { matterId: string; folderId: string } }
  | { kind: 'documents.folder_restored'; actor: EventActor; data: { matterId: string; folderId: string } }
  | {
      kind: 'documents.version_uploaded';
      actor: EventActor;
      data: {
        matterId: string;
        documentId: string;
        versionId: string;
        version: number;
        size: number;
        contentCommitment: string;
      };
    }
  | {
      kind: 'documents.version_downloaded';
      actor: EventActor;
      data: {
        matterId: string;
        documentId: string;
        versionId: string;
        version: number;
        range?: string;
      };
    }
  | { kind: 'documents.document_renamed'; actor: EventActor; data: { matterId: string; documentId: string } }
  | {
      kind: 'documents.document_moved';
      actor: EventActor;
      data: { matterId: string; documentId: string; folderId: string };
    }
  | { kind: 'documents.document_trashed'; actor: EventActor; data: { matterId: string; documentId: string } }
  | {
      kind: 'documents.document_restored';
      actor: EventActor;
      data: { matterId: string; documentId: string };
    }
  /**
   * A matter's, folder's or document's own label changed. `from`/`to` are effective values; `inherits`
   * says the item now has no label of its own. The reason (if any) is sealed in `classification_changes`.
   */
  | {
      kind: 'documents.classification_changed';
      actor: EventActor;
      data: {
        matterId: string;
        itemType: 'matter' | 'folder' | 'document';
        itemId: string;
        from: string;
        to: string;
        inherits: boolean;
        changeId: string;
      };
    }
  /** A colleague asked for a role in the matter; the reason is sealed in the request, never in the event. */
  | {
      kind: 'documents.access_requested';
      actor: EventActor;
      data: { matterId: string; requestId: string; role: string };
    }
  /** An owner approved a request; the membership it created is its own `documents.member_added`. */
  | {
      kind: 'documents.access_request_approved';
      actor: EventActor;
      data: { matterId: string; requestId: string; userId: string; role: string; expiresAt?: string };
    }
  | {
      kind: 'documents.access_request_denied';
      actor: EventActor;
      data: { matterId: string; requestId: string; userId: string };
    }
  /** The requester withdrew their pending request before an owner decided it. */
  | {
      kind: 'documents.access_request_withdrawn';
      actor: EventActor;
      data: { matterId: string; requestId: string };
    }
  /** Stored content failed authentication or its SHA-256 on read: tampering or corruption. */
  | {
      kind: 'documents.integrity_failed';
      actor: EventActor;
      data: { matterId: string; documentId: string; versionId: string; version: number };
    };
