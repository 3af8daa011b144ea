import type { EventActor } from '../ledger/ledger.models.js';

/**
 * The vault's events. Key ids are not secret; no key material or name ever appears here.
 * @NOTE Kinds and payloads are part of the audit trail: never rename a kind or change a payload's meaning.
 */
export type VaultEvent =
  /** A matter's data keys were moved under a new matter key; `rewrapped` counts those the finishing run moved. */
  | {
      kind: 'vault.matter_key_rotated';
      actor: EventActor;
      data: { matterId: string; oldKeyIds: string[]; newKeyId: string; rewrapped: number };
    }
  /**
   * A matter was crypto-shredded: its keys are erased, its content unrecoverable. `keyIds` lists the matter
   * keys erased (its data keys are erased too, not listed).
   */
  | { kind: 'vault.matter_keys_destroyed'; actor: EventActor; data: { matterId: string; keyIds: string[] } }
  /** Nothing is wrapped by the old root keys any more; `rewrapped` counts the keys the finishing run moved. */
  | {
      kind: 'vault.root_key_rotated';
      actor: EventActor;
      data: { oldKeyIds: string[]; newKeyId: string; rewrapped: number };
    };
