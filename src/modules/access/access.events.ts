import type { EventActor } from '../ledger/ledger.models.js';

/**
 * The access module's events: ids only, never a name or a reason.
 * @NOTE Kinds and payloads are part of the audit trail (the access report reads them): never rename a kind
 * or change a payload's meaning.
 */
export type AccessEvent =
  /** An administrator designated an auditor as compliance officer (who may then raise ethical walls). */
  | { kind: 'access.compliance_officer_designated'; actor: EventActor; data: { userId: string } }
  /** An administrator withdrew a compliance-officer designation. */
  | { kind: 'access.compliance_officer_revoked'; actor: EventActor; data: { userId: string } }
  /** A compliance officer screened `userId` from the matter: every grant of theirs there stops counting. */
  | {
      kind: 'access.wall_added';
      actor: EventActor;
      data: { matterId: string; userId: string; screenId: string };
    }
  /** A compliance officer lifted a screen: the person's grants count again. */
  | {
      kind: 'access.wall_lifted';
      actor: EventActor;
      data: { matterId: string; userId: string; screenId: string };
    }
  /**
   * A compliance officer screened a group from the matter: every member, present or future, is screened
   * while they belong to it. Membership changes are the identity module's `identity.group_member_*` events.
   */
  | {
      kind: 'access.group_wall_added';
      actor: EventActor;
      data: { matterId: string; groupId: string; screenId: string };
    }
  /** A compliance officer lifted a group's screen. */
  | {
      kind: 'access.group_wall_lifted';
      actor: EventActor;
      data: { matterId: string; groupId: string; screenId: string };
    };
