import { hash, verify } from '@node-rs/argon2';
import { createPasswordTooWeakError } from './identity.errors.js';

export type PasswordHasher = {
  hash(password: string): Promise<string>;
  verify(passwordHash: string, password: string): Promise<boolean>;
};

export type Argon2Parameters = { memoryCost: number; timeCost: number; parallelism: number };

/** OWASP's first Argon2id profile with a raised memory cost; the identity work tunes it to ~100 ms here. */
export const defaultArgon2Parameters: Argon2Parameters = { memoryCost: 65536, timeCost: 3, parallelism: 1 };

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
  };
}

export const passwordLengthLimits = { min: 12, max: 256 } as const;

/** Length rules only; the identity work adds a strength estimate. */
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
}
