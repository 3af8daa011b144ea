import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import { inTransaction } from '../../shared/db/transaction.js';
import type { IdGenerator } from '../../shared/ids/ids.js';
import type { Ledger } from '../ledger/ledger.usecases.js';
import { generateSecretToken, hashSecretToken } from '../../shared/random/tokens.js';
import {
  createSetupAlreadyCompletedError,
  createSetupLinkExpiredError,
  createSetupLinkInvalidError,
  createUsernameInvalidError,
} from './identity.errors.js';
import type { IdentityEvent } from './identity.events.js';
import {
  generateSetupTokenId,
  generateUserId,
  normalizeUsername,
  type User,
  usernamePattern,
} from './identity.models.js';
import { assertPasswordAcceptable, type PasswordHasher } from './identity.passwords.js';
import { createAdminCounter, createIdentityRepository } from './identity.repository.js';
import type { WritDatabase } from '../database.js';

export async function isSetupRequired({ db }: { db: Kysely<WritDatabase> }): Promise<boolean> {
  return (await createIdentityRepository({ db }).countAdmins()) === 0;
}

export type SetupStatus = { isSetupRequired(): Promise<boolean> };

/**
 * `isSetupRequired` for a front door that asks on every page load, owned by that front door.
 * @NOTE Once an administrator exists, setup is never required again: users are never deleted and roles never
 * change. So "complete" is remembered, while "required" is asked of the database every time, since another
 * node may complete setup meanwhile.
 */
export function createSetupStatus({ db }: { db: Kysely<WritDatabase> }): SetupStatus {
  const countAdmins = createAdminCounter({ db });
  let isComplete = false;
  return {
    async isSetupRequired() {
      if (!isComplete) isComplete = (await countAdmins()) > 0;
      return !isComplete;
    },
  };
}

export type IssueSetupTokenArgs = {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ttlMinutes: number;
  generateId?: IdGenerator;
};

/**
 * Issues the one-time token that lets whoever holds it create the first administrator.
 * Issuing a new one invalidates any earlier unused one, so only the most recently printed link works.
 */
export async function issueSetupToken({
  db,
  clock,
  ttlMinutes,
  generateId = generateSetupTokenId,
}: IssueSetupTokenArgs): Promise<{ setupToken: { token: string; expiresAt: Date } | undefined }> {
  return inTransaction(db, async (trx) => {
    const repository = createIdentityRepository({ db: trx });
    if ((await repository.countAdmins()) > 0) return { setupToken: undefined };
    await repository.deleteUnconsumedSetupTokens();
    const token = generateSecretToken();
    const createdAt = clock.now();
    const expiresAt = new Date(createdAt.getTime() + ttlMinutes * 60_000);
    await repository.insertSetupToken({
      id: generateId(),
      tokenHash: hashSecretToken(token),
      createdAt,
      expiresAt,
    });
    return { setupToken: { token, expiresAt } };
  });
}

export type CompleteSetupArgs = {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: Pick<Ledger<IdentityEvent>, 'append'>;
  passwordHasher: Pick<PasswordHasher, 'hash'>;
  token: string;
  username: string;
  password: string;
  generateId?: IdGenerator;
};

/**
 * Consumes the setup token and creates the first administrator, with the `identity.admin_created` event:
 * all three or none.
 */
export async function completeSetup({
  db,
  clock,
  ledger,
  passwordHasher,
  token,
  username: rawUsername,
  password,
  generateId = generateUserId,
}: CompleteSetupArgs): Promise<{ user: User }> {
  const username = normalizeUsername(rawUsername);
  if (!usernamePattern.test(username)) throw createUsernameInvalidError();
  assertPasswordAcceptable({ password, username });
  // Hash before the transaction: argon2 takes ~100 ms and must not hold the database's write lock.
  const passwordHash = await passwordHasher.hash(password);

  return inTransaction(db, async (trx) => {
    const repository = createIdentityRepository({ db: trx });
    const setupToken = await repository.findSetupToken({ tokenHash: hashSecretToken(token) });
    if (setupToken === undefined || setupToken.isConsumed) throw createSetupLinkInvalidError();
    const now = clock.now();
    if (setupToken.expiresAt.getTime() <= now.getTime()) throw createSetupLinkExpiredError();
    if ((await repository.countAdmins()) > 0) throw createSetupAlreadyCompletedError();
    if (!(await repository.consumeSetupToken({ id: setupToken.id, at: now })))
      throw createSetupLinkInvalidError();

    const user: User = { id: generateId(), username, role: 'admin', createdAt: now };
    await repository.insertUser({ user, passwordHash });
    // The holder of the one-time link is not signed in: the event's actor is anonymous.
    await ledger.append({
      db: trx,
      event: { kind: 'identity.admin_created', actor: { type: 'anonymous' }, data: { userId: user.id } },
    });
    return { user };
  });
}
