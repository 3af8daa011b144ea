import { createHash } from 'node:crypto';
import ssh2 from 'ssh2';
import { createPrefixedIdGenerator } from '../../shared/ids/ids.js';

export const generateSshKeyId = createPrefixedIdGenerator({ prefix: 'sshk' });

export const sshKeyLimits = { nameMaxLength: 100, publicKeyMaxLength: 16_384, minRsaBits: 3072 } as const;

export type SshKey = {
  id: string;
  name: string;
  algorithm: string;
  fingerprint: string;
  publicKey: string;
  createdAt: Date;
  lastUsedAt: Date | undefined;
};

export type ParsedSshPublicKey = {
  algorithm: string;
  /** The key blob, as the SSH wire protocol carries it. */
  blob: Buffer;
  fingerprint: string;
  /** `type base64`, the comment dropped. */
  publicKey: string;
};

export type SshKeyRefusal = 'invalid' | 'private_key' | 'dsa' | 'rsa_too_short' | 'unsupported';

export function sshFingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The modulus size of an `ssh-rsa` blob: string type, mpint e, mpint n. */
function rsaModulusBits(blob: Buffer): number {
  let offset = 0;
  const next = () => {
    const length = blob.readUInt32BE(offset);
    const value = blob.subarray(offset + 4, offset + 4 + length);
    offset += 4 + length;
    return value;
  };
  next();
  next();
  const modulus = next();
  let start = 0;
  while (start < modulus.length && modulus[start] === 0) start += 1;
  if (start === modulus.length) return 0;
  const first = modulus[start] ?? 0;
  return (modulus.length - start - 1) * 8 + (32 - Math.clz32(first));
}

const allowedTypes = new Set([
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'ssh-rsa',
]);

/** Parses one OpenSSH public key line; refuses private keys, DSA, RSA under 3072 bits and anything invalid. */
export function parseSshPublicKey(text: string): ParsedSshPublicKey | SshKeyRefusal {
  const line = text.trim();
  if (line.length === 0 || line.length > sshKeyLimits.publicKeyMaxLength || line.includes('\n'))
    return 'invalid';
  if (line.includes('PRIVATE KEY')) return 'private_key';
  if (line.startsWith('ssh-dss')) return 'dsa';
  const parsed = ssh2.utils.parseKey(line);
  if (parsed instanceof Error || Array.isArray(parsed)) return 'invalid';
  if (parsed.isPrivateKey()) return 'private_key';
  if (!allowedTypes.has(parsed.type)) return parsed.type === 'ssh-dss' ? 'dsa' : 'unsupported';
  const blob = parsed.getPublicSSH();
  if (parsed.type === 'ssh-rsa' && rsaModulusBits(blob) < sshKeyLimits.minRsaBits) return 'rsa_too_short';
  return {
    algorithm: parsed.type,
    blob,
    fingerprint: sshFingerprint(blob),
    publicKey: `${parsed.type} ${blob.toString('base64')}`,
  };
}

export function normalizeSshKeyName(raw: string): string | undefined {
  const name = raw.trim();
  // eslint-disable-next-line no-control-regex
  if (name.length === 0 || name.length > sshKeyLimits.nameMaxLength || /[\u0000-\u001f\u007f]/.test(name)) {
    return undefined;
  }
  return name;
}
