import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import { createError } from '../../shared/errors/errors.js';
import type { WritDatabase } from '../database.js';
import {
  computeNoteKeyId,
  formatVerifierKey,
  type NoteSigner,
} from '../ledger/ledger.note-signing.models.js';
import type { SecretBox } from './vault.secret-box.js';

/**
 * Ed25519 signing keys the vault keeps for others (the ledger's checkpoint key): generated once, the seed
 * sealed at rest, and handed out only as a `NoteSigner` whose private key never leaves this closure.
 * @NOTE The seal purpose `signing-key:<name>` binds a sealed seed to its row; the public key signs every
 * published checkpoint, so a key is never replaced in place.
 */
export type VaultSigningKey = NoteSigner & {
  readonly publicKey: Buffer;
  /** The c2sp.org/signed-note verifier key, safe to print and publish. */
  readonly verifierKey: string;
};

// PKCS #8 DER of an Ed25519 private key: this fixed prefix, then the 32-byte seed (RFC 8410).
const pkcs8Ed25519Prefix = Buffer.from('302e020100300506032b657004220420', 'hex');
const seedSize = 32;

function sealPurpose(name: string): string {
  return `signing-key:${name}`;
}

function exportSeed(privateKey: KeyObject): Buffer {
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  return Buffer.from(der.subarray(der.length - seedSize));
}

function importSeed(seed: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([pkcs8Ed25519Prefix, seed]), format: 'der', type: 'pkcs8' });
}

function exportPublicKey(privateKey: KeyObject): Buffer {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  return Buffer.from(jwk.x ?? '', 'base64url');
}

const createSigningKeyMismatchError = (name: string) =>
  createError({
    code: 'vault.signing_key_mismatch',
    status: 500,
    isInternal: true,
    message: `The sealed private key of signing key ${name} does not match its stored public key.`,
  });

/**
 * Returns the signing key called `name`, generating and storing it on first use. Two processes racing on
 * first use both end up with the key that was stored first.
 */
export async function loadOrCreateSigningKey({
  db,
  secretBox,
  clock,
  name,
}: {
  db: Kysely<WritDatabase>;
  secretBox: SecretBox;
  clock: Clock;
  name: string;
}): Promise<VaultSigningKey> {
  const existing = await readSigningKeyRow({ db, name });
  if (existing === undefined) {
    const { privateKey } = generateKeyPairSync('ed25519');
    await db
      .insertInto('vault_signing_keys')
      .values({
        name,
        public_key: exportPublicKey(privateKey),
        private_key_sealed: secretBox.seal({ plaintext: exportSeed(privateKey), purpose: sealPurpose(name) }),
        created_at: clock.now().getTime(),
      })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
  }
  const row = existing ?? (await readSigningKeyRow({ db, name }));
  if (row === undefined) throw createSigningKeyMismatchError(name);
  const privateKey = importSeed(
    secretBox.open({ sealed: row.private_key_sealed, purpose: sealPurpose(name) }),
  );
  const publicKey = exportPublicKey(privateKey);
  if (!publicKey.equals(row.public_key)) throw createSigningKeyMismatchError(name);
  return {
    name,
    keyId: computeNoteKeyId({ name, publicKey }),
    publicKey,
    verifierKey: formatVerifierKey({ name, publicKey }),
    sign: (message) => Promise.resolve(sign(null, message, privateKey)),
  };
}

/** The public half only: for printing the verifier key and for offline verification. */
export async function readSigningPublicKey({
  db,
  name,
}: {
  db: Kysely<WritDatabase>;
  name: string;
}): Promise<{ publicKey: Buffer; verifierKey: string } | undefined> {
  const row = await readSigningKeyRow({ db, name });
  if (row === undefined) return undefined;
  return { publicKey: row.public_key, verifierKey: formatVerifierKey({ name, publicKey: row.public_key }) };
}

async function readSigningKeyRow({ db, name }: { db: Kysely<WritDatabase>; name: string }) {
  return db
    .selectFrom('vault_signing_keys')
    .select(['public_key', 'private_key_sealed'])
    .where('name', '=', name)
    .executeTakeFirst();
}
