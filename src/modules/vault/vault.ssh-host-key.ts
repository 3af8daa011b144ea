import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import { createError } from '../../shared/errors/errors.js';
import type { WritDatabase } from '../database.js';
import type { SecretBox } from './vault.secret-box.js';

/**
 * The SSH server's Ed25519 host key: generated on first start, the seed sealed at rest in
 * `vault_ssh_host_keys` (its own table and seal purpose, so it can never be mistaken for a ledger signing
 * key), and handed to the SSH transport only as OpenSSH private key text held in memory.
 */
export type SshHostKey = {
  /** `openssh-key-v1` text, unencrypted: never written to disk or logged. */
  readonly privateKeyOpenSsh: string;
  /** `ssh-ed25519 AAAA…`, safe to print. */
  readonly publicKeyOpenSsh: string;
  /** `SHA256:…` as `ssh-keygen -l` and OpenSSH's first-connection prompt print it. */
  readonly fingerprint: string;
};

const pkcs8Ed25519Prefix = Buffer.from('302e020100300506032b657004220420', 'hex');
const seedSize = 32;
const keyType = 'ssh-ed25519';

function sealPurpose(name: string): string {
  return `ssh-host-key:${name}`;
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

/** An SSH wire `string`: uint32 length, then the bytes. */
function sshString(value: Uint8Array | string): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value) : Buffer.from(value);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

function publicKeyBlob(publicKey: Buffer): Buffer {
  return Buffer.concat([sshString(keyType), sshString(publicKey)]);
}

/** PROTOCOL.key's `openssh-key-v1` container, unencrypted, for one Ed25519 key. */
export function formatOpenSshPrivateKey({ seed, publicKey }: { seed: Buffer; publicKey: Buffer }): string {
  const check = Buffer.alloc(4);
  check.writeUInt32BE(0x57524954);
  const body = Buffer.concat([
    check,
    check,
    sshString(keyType),
    sshString(publicKey),
    sshString(Buffer.concat([seed, publicKey])),
    sshString(''),
  ]);
  const padding = Buffer.from(Array.from({ length: (8 - (body.length % 8)) % 8 }, (_, i) => i + 1));
  const payload = Buffer.concat([
    Buffer.from('openssh-key-v1\0'),
    sshString('none'),
    sshString('none'),
    sshString(''),
    Buffer.from([0, 0, 0, 1]),
    sshString(publicKeyBlob(publicKey)),
    sshString(Buffer.concat([body, padding])),
  ]);
  const lines = payload.toString('base64').match(/.{1,70}/g) ?? [];
  return ['-----BEGIN OPENSSH PRIVATE KEY-----', ...lines, '-----END OPENSSH PRIVATE KEY-----', ''].join(
    '\n',
  );
}

export function sshFingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

const createHostKeyMismatchError = (name: string) =>
  createError({
    code: 'vault.ssh_host_key_mismatch',
    status: 500,
    isInternal: true,
    message: `The sealed SSH host key ${name} does not match its stored public key.`,
  });

/**
 * Returns the SSH host key called `name`, generating and storing it on first use. Two processes racing on
 * first use both end up with the key stored first.
 */
export async function loadOrCreateSshHostKey({
  db,
  secretBox,
  clock,
  name = 'default',
}: {
  db: Kysely<WritDatabase>;
  secretBox: Pick<SecretBox, 'seal' | 'open'>;
  clock: Clock;
  name?: string;
}): Promise<SshHostKey> {
  const read = () =>
    db
      .selectFrom('vault_ssh_host_keys')
      .select(['public_key', 'private_key_sealed'])
      .where('name', '=', name)
      .executeTakeFirst();
  const existing = await read();
  if (existing === undefined) {
    const { privateKey } = generateKeyPairSync('ed25519');
    await db
      .insertInto('vault_ssh_host_keys')
      .values({
        name,
        public_key: exportPublicKey(privateKey),
        private_key_sealed: secretBox.seal({ plaintext: exportSeed(privateKey), purpose: sealPurpose(name) }),
        created_at: clock.now().getTime(),
      })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
  }
  const row = existing ?? (await read());
  if (row === undefined) throw createHostKeyMismatchError(name);
  const seed = secretBox.open({ sealed: row.private_key_sealed, purpose: sealPurpose(name) });
  const publicKey = exportPublicKey(importSeed(seed));
  if (!publicKey.equals(Buffer.from(row.public_key))) throw createHostKeyMismatchError(name);
  const blob = publicKeyBlob(publicKey);
  return {
    privateKeyOpenSsh: formatOpenSshPrivateKey({ seed, publicKey }),
    publicKeyOpenSsh: `${keyType} ${blob.toString('base64')}`,
    fingerprint: sshFingerprintOf(blob),
  };
}
