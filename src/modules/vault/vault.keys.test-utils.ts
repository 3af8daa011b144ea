import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import type { WritDatabase } from '../database.js';
import type { RootKeyring } from './vault.keys.models.js';
import { createMatterKeys, openContentKey, openMatterVault, saveContentKey } from './vault.keys.usecases.js';
import { runTransform } from './vault.streaming-aead.test-utils.js';

/** One stored version: what was encrypted and where its key and ciphertext are. */
export type StoredContent = {
  dataKeyId: string;
  documentId: string;
  version: number;
  plaintext: Buffer;
  ciphertext: Buffer;
};

/** A matter with keys and `count` encrypted versions, all through the real use-cases. */
export async function seedMatterWithContent({
  db,
  keyring,
  clock,
  matterId,
  count,
}: {
  db: Kysely<WritDatabase>;
  keyring: RootKeyring;
  clock: Clock;
  matterId: string;
  count: number;
}): Promise<{ contents: StoredContent[]; sealedName: string }> {
  await db.transaction().execute((trx) => createMatterKeys({ db: trx, keyring, clock, matterId }));
  const vault = await openMatterVault({ db, keyring, matterId });
  const sealedName = vault.sealText({ plaintext: `Matter ${matterId}`, context: `matters.name:${matterId}` });
  const contents: StoredContent[] = [];
  for (let index = 0; index < count; index += 1) {
    contents.push(
      await storeContent({ db, keyring, clock, matterId, documentId: `doc_${matterId}_${index}` }),
    );
  }
  return { contents, sealedName };
}

export async function storeContent({
  db,
  keyring,
  clock,
  matterId,
  documentId,
  version = 1,
}: {
  db: Kysely<WritDatabase>;
  keyring: RootKeyring;
  clock: Clock;
  matterId: string;
  documentId: string;
  version?: number;
}): Promise<StoredContent> {
  const vault = await openMatterVault({ db, keyring, matterId });
  const contentKey = vault.newContentKey({ documentId, version });
  const plaintext = randomBytes(1000);
  const { output: ciphertext, error } = await runTransform(contentKey.createEncryptStream(), plaintext);
  if (error !== undefined) throw error as Error;
  await db.transaction().execute((trx) => saveContentKey({ db: trx, keyring, clock, contentKey }));
  return { dataKeyId: contentKey.dataKeyId, documentId, version, plaintext, ciphertext };
}

/** Decrypts a stored version with its stored key; the plaintext, or the failure. */
export async function readContent({
  db,
  keyring,
  content,
}: {
  db: Kysely<WritDatabase>;
  keyring: RootKeyring;
  content: StoredContent;
}): Promise<Buffer> {
  const opened = await openContentKey({
    db,
    keyring,
    dataKeyId: content.dataKeyId,
    documentId: content.documentId,
    version: content.version,
  });
  const { output, error } = await runTransform(opened.createDecryptStream(), content.ciphertext);
  if (error !== undefined) throw error as Error;
  return output;
}

export async function listKeysOfMatter(db: Kysely<WritDatabase>, matterId: string) {
  return db.selectFrom('vault_keys').selectAll().where('matter_id', '=', matterId).orderBy('id').execute();
}

/** Ledger entries of `kind` that mention `text`, not yet sequenced (no sequencer runs in these tests). */
export async function countPendingEvents(
  db: Kysely<WritDatabase>,
  kind: string,
  text: string,
): Promise<number> {
  const rows = await db
    .selectFrom('ledger_pending_entries')
    .select('entry')
    .where('kind', '=', kind)
    .execute();
  return rows.filter((row) => row.entry.includes(text)).length;
}

export function randomRootKey(): Buffer {
  return randomBytes(32);
}
