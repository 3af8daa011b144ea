import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';

/**
 * A software WebAuthn authenticator for tests: real key pairs (node:crypto), real CBOR, real authenticator
 * data and client data, so that every field a hostile client could bend can be bent one at a time.
 */

type CborValue = number | string | boolean | Uint8Array | CborValue[] | Map<number | string, CborValue>;

function cborHead(majorType: number, length: number): Buffer {
  if (length < 24) return Buffer.from([(majorType << 5) | length]);
  if (length < 0x100) return Buffer.from([(majorType << 5) | 24, length]);
  if (length < 0x10000) {
    const head = Buffer.alloc(3);
    head[0] = (majorType << 5) | 25;
    head.writeUInt16BE(length, 1);
    return head;
  }
  const head = Buffer.alloc(5);
  head[0] = (majorType << 5) | 26;
  head.writeUInt32BE(length, 1);
  return head;
}

/** The CBOR subset WebAuthn uses (RFC 8949): small integers, text, bytes, arrays, maps, booleans. */
export function encodeCbor(value: CborValue): Buffer {
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || Math.abs(value) > 0xffffffff)
      throw new Error(`unsupported number ${value}`);
    return value >= 0 ? cborHead(0, value) : cborHead(1, -1 - value);
  }
  if (typeof value === 'boolean') return Buffer.from([value ? 0xf5 : 0xf4]);
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([cborHead(3, bytes.length), bytes]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([cborHead(2, value.length), value]);
  if (Array.isArray(value)) return Buffer.concat([cborHead(4, value.length), ...value.map(encodeCbor)]);
  const parts = [cborHead(5, value.size)];
  for (const [key, item] of value) parts.push(encodeCbor(key), encodeCbor(item));
  return Buffer.concat(parts);
}

export type SoftwareKeyAlgorithm = 'ES256' | 'RS256' | 'EdDSA';

type SoftwareKey = { algorithm: SoftwareKeyAlgorithm; privateKey: KeyObject; cose: Buffer };

function generateSoftwareKey(algorithm: SoftwareKeyAlgorithm): SoftwareKey {
  if (algorithm === 'ES256') {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = new Map<number, CborValue>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, Buffer.from(jwk.x ?? '', 'base64url')],
      [-3, Buffer.from(jwk.y ?? '', 'base64url')],
    ]);
    return { algorithm, privateKey, cose: encodeCbor(cose) };
  }
  if (algorithm === 'RS256') {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = new Map<number, CborValue>([
      [1, 3],
      [3, -257],
      [-1, Buffer.from(jwk.n ?? '', 'base64url')],
      [-2, Buffer.from(jwk.e ?? '', 'base64url')],
    ]);
    return { algorithm, privateKey, cose: encodeCbor(cose) };
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' });
  const cose = new Map<number, CborValue>([
    [1, 1],
    [3, -8],
    [-1, 6],
    [-2, Buffer.from(jwk.x ?? '', 'base64url')],
  ]);
  return { algorithm, privateKey, cose: encodeCbor(cose) };
}

function signWith(key: SoftwareKey, data: Buffer): Buffer {
  return key.algorithm === 'EdDSA' ? sign(null, data, key.privateKey) : sign('sha256', data, key.privateKey);
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest();

/** Authenticator data flags (WebAuthn §6.1). */
export const authenticatorFlags = { up: 0x01, uv: 0x04, be: 0x08, bs: 0x10, at: 0x40 } as const;

function authenticatorData({
  rpId,
  flags,
  signCount,
  attested,
}: {
  rpId: string;
  flags: number;
  signCount: number;
  attested?: { credentialId: Buffer; cose: Buffer };
}): Buffer {
  const counter = Buffer.alloc(4);
  counter.writeUInt32BE(signCount);
  const parts: Buffer[] = [sha256(rpId), Buffer.from([flags]), counter];
  if (attested !== undefined) {
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(attested.credentialId.length);
    parts.push(Buffer.alloc(16), idLength, attested.credentialId, attested.cose);
  }
  return Buffer.concat(parts);
}

function clientDataJson(fields: Record<string, unknown>): Buffer {
  return Buffer.from(JSON.stringify(fields), 'utf8');
}

export type SoftwareCredential = {
  id: Buffer;
  rpId: string;
  userHandle: Buffer;
  key: SoftwareKey;
  signCount: number;
};

export type SoftwareAuthenticator = {
  readonly credentials: SoftwareCredential[];
  /** Answers `navigator.credentials.create()`; each option bends one thing a hostile client could. */
  createCredential(args: {
    options: PublicKeyCredentialCreationOptionsJSON;
    origin?: string;
    rpId?: string;
    flags?: number;
    algorithm?: SoftwareKeyAlgorithm;
    challenge?: string;
    type?: string;
    isCrossOrigin?: boolean;
    /** Presents an existing credential's id and key again, as a client replaying a registration would. */
    reused?: SoftwareCredential;
  }): RegistrationResponseJSON;
  /** Answers `navigator.credentials.get()` with `credential`, or the first one the options allow. */
  getAssertion(args: {
    options: PublicKeyCredentialRequestOptionsJSON;
    credential?: SoftwareCredential;
    origin?: string;
    rpId?: string;
    flags?: number;
    /** The counter to report; by default the credential's counter plus one. */
    signCount?: number;
    userHandle?: Buffer | null;
    challenge?: string;
    type?: string;
    isCrossOrigin?: boolean;
    isSignatureTampered?: boolean;
  }): AuthenticationResponseJSON;
};

export function createSoftwareAuthenticator({
  origin: defaultOrigin = 'https://localhost:8443',
  transports = ['internal'],
  isBackupEligible = false,
}: { origin?: string; transports?: string[]; isBackupEligible?: boolean } = {}): SoftwareAuthenticator {
  const credentials: SoftwareCredential[] = [];
  const backupFlags = isBackupEligible ? authenticatorFlags.be | authenticatorFlags.bs : 0;

  return {
    credentials,

    createCredential({
      options,
      origin = defaultOrigin,
      rpId = options.rp.id ?? new URL(origin).hostname,
      flags = authenticatorFlags.up | authenticatorFlags.uv | authenticatorFlags.at,
      algorithm = 'ES256',
      challenge = options.challenge,
      type = 'webauthn.create',
      isCrossOrigin = false,
      reused,
    }) {
      const excluded = new Set((options.excludeCredentials ?? []).map((descriptor) => descriptor.id));
      if (
        reused === undefined &&
        credentials.some((credential) => excluded.has(credential.id.toString('base64url')))
      ) {
        throw new Error('InvalidStateError: this authenticator already holds an excluded credential');
      }
      const credential: SoftwareCredential = {
        id: reused?.id ?? randomBytes(32),
        rpId,
        userHandle: Buffer.from(options.user.id, 'base64url'),
        key: reused?.key ?? generateSoftwareKey(algorithm),
        signCount: 0,
      };
      const authData = authenticatorData({
        rpId,
        flags: flags | backupFlags,
        signCount: credential.signCount,
        attested: { credentialId: credential.id, cose: credential.key.cose },
      });
      const attestationObject = encodeCbor(
        new Map<string, CborValue>([
          ['fmt', 'none'],
          ['attStmt', new Map()],
          ['authData', authData],
        ]),
      );
      credentials.push(credential);
      const id = credential.id.toString('base64url');
      return {
        id,
        rawId: id,
        type: 'public-key',
        clientExtensionResults: {},
        authenticatorAttachment: 'platform',
        response: {
          clientDataJSON: clientDataJson({ type, challenge, origin, crossOrigin: isCrossOrigin }).toString(
            'base64url',
          ),
          attestationObject: attestationObject.toString('base64url'),
          transports,
        },
      };
    },

    getAssertion({
      options,
      credential: chosen,
      origin = defaultOrigin,
      rpId,
      flags = authenticatorFlags.up | authenticatorFlags.uv,
      signCount,
      userHandle,
      challenge = options.challenge,
      type = 'webauthn.get',
      isCrossOrigin = false,
      isSignatureTampered = false,
    }) {
      const allowed = options.allowCredentials?.map((descriptor) => descriptor.id);
      const credential =
        chosen ??
        credentials.find(
          (candidate) => allowed === undefined || allowed.includes(candidate.id.toString('base64url')),
        );
      if (credential === undefined) throw new Error('NotAllowedError: no credential for these options');
      credential.signCount = signCount ?? credential.signCount + 1;
      const authData = authenticatorData({
        rpId: rpId ?? credential.rpId,
        flags: flags | backupFlags,
        signCount: credential.signCount,
      });
      const clientData = clientDataJson({ type, challenge, origin, crossOrigin: isCrossOrigin });
      const signature = signWith(credential.key, Buffer.concat([authData, sha256(clientData)]));
      if (isSignatureTampered) signature[signature.length - 1] = (signature.at(-1) ?? 0) ^ 0x01;
      const id = credential.id.toString('base64url');
      const handle = userHandle === undefined ? credential.userHandle : userHandle;
      return {
        id,
        rawId: id,
        type: 'public-key',
        clientExtensionResults: {},
        authenticatorAttachment: 'platform',
        response: {
          clientDataJSON: clientData.toString('base64url'),
          authenticatorData: authData.toString('base64url'),
          signature: signature.toString('base64url'),
          ...(handle === null ? {} : { userHandle: handle.toString('base64url') }),
        },
      };
    },
  };
}
