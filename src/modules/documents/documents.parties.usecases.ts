import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import { inTransaction } from '../../shared/db/transaction.js';
import { createPrefixedIdGenerator } from '../../shared/ids/ids.js';
import type { WritDatabase } from '../database.js';
import type { Principal } from '../identity/identity.models.js';
import type { RootKeyring } from '../vault/vault.keys.models.js';
import { openMatterVault } from '../vault/vault.keys.usecases.js';
import type { DocumentsLedger } from './documents.dependencies.js';
import {
  createNameInvalidError,
  createPartyKindInvalidError,
  createPartyNotFoundError,
} from './documents.errors.js';
import { type AccessGate, requireMatterAccess } from './documents.matter-access.js';
import { actorOf } from './documents.matters.usecases.js';
import { normalizeName } from './documents.models.js';
import { createPartiesRepository } from './documents.parties.repository.js';
import type { MatterPartiesTable } from './documents.tables.js';

/** @NOTE Stored in `matter_parties.kind` and published in the API. */
export const partyKinds = ['client', 'opposing_party', 'other'] as const;
export type PartyKind = (typeof partyKinds)[number];

export type MatterParty = { id: string; matterId: string; kind: PartyKind; name: string; createdAt: Date };

const generatePartyId = createPrefixedIdGenerator({ prefix: 'pty' });
const partyContext = (partyId: string) => `matter_parties.name:${partyId}`;

type PartyDeps = {
  access: AccessGate;
  db: Kysely<WritDatabase>;
  clock: Clock;
  keyring: RootKeyring;
  principal: Principal;
  matterId: string;
};

/** Records the client or another party of a matter; the name is sealed under the matter's key. */
export async function addMatterParty({
  access,
  db,
  clock,
  keyring,
  ledger,
  principal,
  matterId,
  kind,
  name: rawName,
}: PartyDeps & { ledger: DocumentsLedger; kind: string; name: string }): Promise<MatterParty> {
  if (!(partyKinds as readonly string[]).includes(kind)) throw createPartyKindInvalidError();
  const name = normalizeName(rawName);
  if (name === undefined) throw createNameInvalidError();
  return inTransaction(db, async (trx) => {
    await requireMatterAccess({ access, db: trx, clock, principal, matterId, action: 'document.organize' });
    const vault = await openMatterVault({ db: trx, keyring, matterId });
    const id = generatePartyId();
    const row: MatterPartiesTable = {
      id,
      matter_id: matterId,
      kind: kind as PartyKind,
      name_sealed: vault.sealText({ plaintext: name, context: partyContext(id) }),
      created_by: principal.userId,
      created_at: clock.now().getTime(),
    };
    await createPartiesRepository({ db: trx }).insertParty(row);
    await ledger.append({
      db: trx,
      event: {
        kind: 'documents.party_added',
        actor: actorOf(principal),
        data: { matterId, partyId: id, kind },
      },
    });
    return { id, matterId, kind: row.kind, name, createdAt: new Date(row.created_at) };
  });
}

export async function listMatterParties({
  access,
  db,
  clock,
  keyring,
  principal,
  matterId,
}: PartyDeps): Promise<MatterParty[]> {
  await requireMatterAccess({ access, db, clock, principal, matterId, action: 'matter.view' });
  const vault = await openMatterVault({ db, keyring, matterId });
  const rows = await createPartiesRepository({ db }).listParties({ matterId });
  return rows.map((row) => ({
    id: row.id,
    matterId: row.matter_id,
    kind: row.kind,
    name: vault.openText({ sealed: row.name_sealed, context: partyContext(row.id) }),
    createdAt: new Date(row.created_at),
  }));
}

export async function removeMatterParty({
  access,
  db,
  clock,
  ledger,
  principal,
  matterId,
  partyId,
}: Omit<PartyDeps, 'keyring'> & { ledger: DocumentsLedger; partyId: string }): Promise<void> {
  await inTransaction(db, async (trx) => {
    await requireMatterAccess({ access, db: trx, clock, principal, matterId, action: 'document.organize' });
    const isDeleted = await createPartiesRepository({ db: trx }).deleteParty({ matterId, partyId });
    if (!isDeleted) throw createPartyNotFoundError();
    await ledger.append({
      db: trx,
      event: { kind: 'documents.party_removed', actor: actorOf(principal), data: { matterId, partyId } },
    });
  });
}
