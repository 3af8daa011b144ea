import type { EventActor } from '../ledger/ledger.models.js';

/**
 * The documents module's events. Payloads hold ids, sizes and commitments, never a name or a raw hash:
 * `contentCommitment` is SHA-256(salt ‖ sha256) and the salt is sealed with the version, so that an
 * authorised user can open the commitment and nobody else can confirm a guess of the content.
 * @NOTE Kinds and payloads are part of the audit trail: never rename a kind or change a payload's meaning.
 */
export type DocumentsEvent =
  | { kind: 'documents.matter_created'; actor: EventActor; data: { matterId: string } }
  | {
      kind: 'documents.member_added';
      actor: EventActor;
      data: { matterId: string; userId: string; role: string };
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
  /** Stored content failed authentication or its SHA-256 on read: tampering or corruption. */
  | {
      kind: 'documents.integrity_failed';
      actor: EventActor;
      data: { matterId: string; documentId: string; versionId: string; version: number };
    };
