import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { testPolicyEngine } from './documents.js';
import type { WritDatabase } from '../../src/modules/database.js';
import type {
  IdentityDependencies,
  IdentitySettings,
} from '../../src/modules/identity/identity.dependencies.js';
import { createArgon2PasswordHasher } from '../../src/modules/identity/identity.passwords.js';
import { createLedger } from '../../src/modules/ledger/ledger.usecases.js';
import { createKeyedHasher, createSecretBox } from '../../src/modules/vault/vault.secret-box.js';
import type { Clock } from '../../src/shared/clock/clock.js';

export const testIdentitySettings: IdentitySettings = {
  sessionIdleMinutes: 30,
  sessionAbsoluteHours: 12,
  stepUpMinutes: 10,
  mfaRequiredRoles: ['admin', 'lawyer', 'assistant', 'process_server', 'auditor'],
  signInMaxFailures: 5,
  signInLockoutMinutes: 15,
  invitationTtlHours: 72,
};

/**
 * Real identity collaborators for tests: argon2id with small parameters (the real code path, fast),
 * the real ledger and vault under a random installation key.
 */
export function createTestIdentityDependencies({
  db,
  clock,
  settings = {},
  publicUrl = 'https://localhost:8443',
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  settings?: Partial<IdentitySettings>;
  publicUrl?: string;
}): IdentityDependencies {
  const installationKey = randomBytes(32);
  return {
    db,
    clock,
    passwordHasher: createArgon2PasswordHasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 }),
    ledger: createLedger({ clock }),
    secretBox: createSecretBox({ key: installationKey }),
    keyedHasher: createKeyedHasher({ key: installationKey }),
    settings: { ...testIdentitySettings, ...settings },
    policy: testPolicyEngine(),
    publicUrl,
  };
}
