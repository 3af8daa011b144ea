import { createPrefixedIdGenerator } from '../../shared/ids/ids.js';
import type { JsonValue } from './ledger.canonical-json.js';

/** Who caused an event: a user by id, the system (jobs, start-up) or an unauthenticated caller. */
export type EventActor = { type: 'user'; id: string } | { type: 'system' } | { type: 'anonymous' };

/**
 * Every module's events share this shape; each module declares its closed union of kinds in
 * `<module>.events.ts`.
 * @NOTE Kinds and payload shapes are published in the audit trail and receipts: changing one breaks
 * verification of older entries. Payloads carry ids and commitments, never names, addresses or secrets.
 */
export type DomainEvent = {
  kind: `${string}.${string}`;
  actor: EventActor;
  data: { [key: string]: JsonValue };
};

/** @NOTE Entry bundles (c2sp.org/tlog-tiles) prefix each entry with a big-endian uint16 length: 64 KiB − 1 at most. */
export const maxEntryBytes = 64 * 1024 - 1;

export const generateLedgerEntryId = createPrefixedIdGenerator({ prefix: 'evt' });
