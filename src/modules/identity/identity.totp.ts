import { randomBytes } from 'node:crypto';
import { generateURI, ScureBase32Plugin, verify } from 'otplib';

/**
 * TOTP as authenticator apps and `oathtool --totp` implement it (RFC 6238): HMAC-SHA-1, 6 digits, 30-second
 * steps, a 160-bit secret. A code is accepted for the current step and one step either side, to allow for
 * clocks a little off; replay protection (each step at most once) is the caller's, through the stored step.
 * @NOTE Changing the algorithm, digits or period breaks every enrolled authenticator.
 */
export const totpSettings = {
  issuer: 'Writ',
  secretBytes: 20,
  periodSeconds: 30,
  toleranceSteps: 1,
} as const;

const base32 = new ScureBase32Plugin();

export function generateTotpSecret(): Buffer {
  return randomBytes(totpSettings.secretBytes);
}

export function encodeTotpSecret(secret: Uint8Array): string {
  return base32.encode(secret, { padding: false });
}

/** The secret's seal purpose: a sealed secret moved to another user's row does not open. */
export function totpSealPurpose(userId: string): string {
  return `totp:${userId}`;
}

/** The `otpauth://totp/Writ:<username>?secret=…&issuer=Writ` URI and its QR code as an SVG `data:` URL. */
export async function describeTotpEnrolment({
  secret,
  username,
}: {
  secret: Uint8Array;
  username: string;
}): Promise<{ otpauthUri: string; qrCodeDataUrl: string }> {
  const otpauthUri = generateURI({
    issuer: totpSettings.issuer,
    label: username,
    secret: encodeTotpSecret(secret),
  });
  // Loaded by the first enrolment: nothing else needs the QR code generator.
  const { default: QRCode } = await import('qrcode');
  const svg = await QRCode.toString(otpauthUri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return {
    otpauthUri,
    qrCodeDataUrl: `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}`,
  };
}

/**
 * The time step `code` was generated for, if it matches one within the tolerance at `at` and is later than
 * `afterStep`; undefined otherwise (a malformed code included, and any code while `afterStep` is at or past
 * the last step accepted at `at`).
 * @NOTE `afterStep` can be ahead of `at` when a clock was set back or nodes disagree; otplib throws for an
 * `afterTimeStep` beyond its window, so that case is answered here, as a refused code, before it is asked.
 */
export async function matchTotpStep({
  secret,
  code,
  at,
  afterStep,
}: {
  secret: Uint8Array;
  code: string;
  at: Date;
  afterStep: number | undefined;
}): Promise<number | undefined> {
  if (!/^\d{6}$/.test(code)) return undefined;
  const epoch = Math.floor(at.getTime() / 1000);
  const toleranceSeconds = totpSettings.periodSeconds * totpSettings.toleranceSteps;
  const lastStep = Math.floor((epoch + toleranceSeconds) / totpSettings.periodSeconds);
  if (afterStep !== undefined && afterStep >= lastStep) return undefined;
  const result = await verify({
    secret: encodeTotpSecret(secret),
    token: code,
    epoch,
    epochTolerance: toleranceSeconds,
    ...(afterStep === undefined ? {} : { afterTimeStep: afterStep }),
  });
  // otplib types TOTP and HOTP results together; only a TOTP match carries its time step.
  return result.valid && 'timeStep' in result ? result.timeStep : undefined;
}
