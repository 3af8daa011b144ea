import { isIP } from 'node:net';
import { createPrefixedIdGenerator } from '../../shared/ids/ids.js';

/**
 * What a challenge was issued for. A challenge answers only the ceremony it was issued for: an assertion
 * made for a step-up does not sign anyone in, and a sign-in challenge does not register a passkey.
 * @NOTE Stored in `webauthn_challenges.purpose`: renaming one strands challenges in flight (minutes).
 */
export const passkeyChallengePurposes = ['registration', 'second_factor', 'step_up', 'sign_in'] as const;
export type PasskeyChallengePurpose = (typeof passkeyChallengePurposes)[number];

export type PasskeyAssertionPurpose = Exclude<PasskeyChallengePurpose, 'registration'>;

export const passkeyLimits = {
  nameMaxLength: 64,
  /** Passkeys one user may hold; bounds the credential lists sent in every ceremony's options. */
  maxPerUser: 20,
  /** How long a challenge (and the browser's ceremony) stays valid. */
  challengeTtlMs: 5 * 60_000,
} as const;

export type PasskeyDeviceType = 'singleDevice' | 'multiDevice';

/** A registered passkey as its owner sees it: no key material, no authenticator-chosen credential id. */
export type Passkey = {
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | undefined;
  /** `multiDevice` when the authenticator may sync it (a platform passkey); `singleDevice` otherwise. */
  deviceType: PasskeyDeviceType;
  isBackedUp: boolean;
};

/**
 * @NOTE Prefixes are stored and published: `pkey_` ids appear in the API and in ledger entries.
 */
export const generatePasskeyId = createPrefixedIdGenerator({ prefix: 'pkey' });
export const generatePasskeyChallengeId = createPrefixedIdGenerator({ prefix: 'wchl' });

/** The transports WebAuthn defines; anything else a client sends is dropped, not stored. */
export const passkeyTransports = ['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'] as const;
export type PasskeyTransport = (typeof passkeyTransports)[number];

export function isPasskeyTransport(value: unknown): value is PasskeyTransport {
  return typeof value === 'string' && (passkeyTransports as readonly string[]).includes(value);
}

const passkeyNamePattern = /^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+$/u;

/**
 * Printable characters only (no control or direction marks), trimmed, 1 to 64 of them: a name is shown in
 * lists.
 */
export function normalizePasskeyName(name: string): string | undefined {
  const trimmed = name.trim();
  const length = Array.from(trimmed).length;
  if (length < 1 || length > passkeyLimits.nameMaxLength || !passkeyNamePattern.test(trimmed))
    return undefined;
  return trimmed;
}

/**
 * The relying party is the public URL's host name and the only accepted origin is the public URL's origin:
 * a passkey registered at one address does not work at another. Undefined when the URL names an IP address,
 * which WebAuthn does not accept as a relying party.
 */
export function relyingPartyFor(publicUrl: string): { rpId: string; origin: string } | undefined {
  const url = new URL(publicUrl);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host) !== 0) return undefined;
  return { rpId: url.hostname, origin: url.origin };
}
