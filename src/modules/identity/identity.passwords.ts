import { randomBytes } from 'node:crypto';
import { hash, hashSync, verify } from '@node-rs/argon2';
import { createPasswordTooWeakError } from './identity.errors.js';
import { estimatePasswordStrength } from './identity.password-policy.js';

export type PasswordHasher = {
  hash(password: string): Promise<string>;
  verify(passwordHash: string, password: string): Promise<boolean>;
  /** Whether a stored hash was made with other parameters than the current ones, and should be redone. */
  needsRehash(passwordHash: string): boolean;
  /**
   * A hash of a random password under the current parameters, that no password matches: sign-in verifies
   * against it when there is no account, so that an unknown username costs the same time as a known one.
   */
  readonly dummyHash: string;
};

export type Argon2Parameters = { memoryCost: number; timeCost: number; parallelism: number };

/**
 * Argon2id at 160 MiB and two passes: ~100 ms per hash on this project's reference machine (2-core AMD EPYC
 * VM, Node 20), measured with `npm run bench -- argon2` (figures in docs/adr/0004-authentication.md). Far
 * above OWASP's minimum (19 MiB, t=2): memory is what makes guessing on GPUs expensive.
 * @NOTE Changing these rehashes each password at its owner's next successful sign-in.
 */
export const defaultArgon2Parameters: Argon2Parameters = { memoryCost: 163840, timeCost: 2, parallelism: 1 };

const phcPattern = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;

/** The parameters of an Argon2id (version 0x13) PHC string, or undefined for anything else. */
export function parseArgon2Parameters(passwordHash: string): Argon2Parameters | undefined {
  const match = phcPattern.exec(passwordHash);
  if (match === null) return undefined;
  return { memoryCost: Number(match[1]), timeCost: Number(match[2]), parallelism: Number(match[3]) };
}

export function createArgon2PasswordHasher(
  parameters: Argon2Parameters = defaultArgon2Parameters,
): PasswordHasher {
  return {
    // @node-rs/argon2 defaults to Argon2id (version 0x13); a test checks the PHC prefix.
    hash: (password) => hash(password, parameters),
    verify: async (passwordHash, password) => {
      try {
        return await verify(passwordHash, password);
      } catch {
        return false;
      }
    },
    needsRehash: (passwordHash) => {
      const stored = parseArgon2Parameters(passwordHash);
      return (
        stored === undefined ||
        stored.memoryCost !== parameters.memoryCost ||
        stored.timeCost !== parameters.timeCost ||
        stored.parallelism !== parameters.parallelism
      );
    },
    // Computed once, when the hasher is made (at start-up), so that no sign-in pays for it.
    dummyHash: hashSync(randomBytes(32), parameters),
  };
}

export const passwordLengthLimits = { min: 12, max: 256 } as const;

/**
 * Length bounds, no username inside, and zxcvbn's estimate of at least 3 out of 4; a refusal says why, in
 * zxcvbn's words.
 */
export function assertPasswordAcceptable({
  password,
  username,
}: {
  password: string;
  username: string;
}): void {
  // Characters as people count them: an accented letter or an emoji is one.
  const length = Array.from(new Intl.Segmenter().segment(password)).length;
  if (length < passwordLengthLimits.min) {
    throw createPasswordTooWeakError({
      message: `A password needs at least ${passwordLengthLimits.min} characters; a few unrelated words make a good one.`,
    });
  }
  if (length > passwordLengthLimits.max) {
    throw createPasswordTooWeakError({
      message: `A password has at most ${passwordLengthLimits.max} characters.`,
    });
  }
  if (password.toLowerCase().includes(username.toLowerCase())) {
    throw createPasswordTooWeakError({ message: 'A password must not contain the username.' });
  }
  const strength = estimatePasswordStrength({ password, username });
  if (!strength.isAcceptable) {
    throw createPasswordTooWeakError({
      message: `This password is too easy to guess. ${strength.reason}`,
    });
  }
}
