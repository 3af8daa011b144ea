import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import type { PolicyEngine } from '../access/access.models.js';
import type { WritDatabase } from '../database.js';
import type { Ledger } from '../ledger/ledger.usecases.js';
import type { KeyedHasher, SecretBox } from '../vault/vault.models.js';
import type { IdentityEvent } from './identity.events.js';
import type { PasswordHasher } from './identity.passwords.js';

export type IdentitySettings = {
  sessionIdleMinutes: number;
  sessionAbsoluteHours: number;
  stepUpMinutes: number;
  mfaRequiredRoles: readonly string[];
  signInMaxFailures: number;
  signInLockoutMinutes: number;
  invitationTtlHours: number;
};

/**
 * Everything the identity front doors hand to its use-cases; each use-case takes only the part it uses.
 */
export type IdentityDependencies = {
  db: Kysely<WritDatabase>;
  clock: Clock;
  passwordHasher: PasswordHasher;
  ledger: Pick<Ledger<IdentityEvent>, 'append'>;
  secretBox: SecretBox;
  keyedHasher: KeyedHasher;
  settings: IdentitySettings;
  /** The one policy decision point: account management is an `Installation` action decided by Cedar. */
  policy: PolicyEngine;
  /** The https:// origin people use, for links (invitations, resets) and the WebAuthn relying party. */
  publicUrl: string;
};
