import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import { inTransaction } from '../../shared/db/transaction.js';
import type { WritDatabase } from '../database.js';
import type { EventActor } from '../ledger/ledger.models.js';
import type { Ledger } from '../ledger/ledger.usecases.js';
import { createApiTokensRepository } from './identity.api-tokens.repository.js';
import type { IdentityEvent } from './identity.events.js';
import { revokeAllUserSessions } from './identity.sessions.usecases.js';
import { createSshKeysRepository } from './identity.ssh-keys.repository.js';

type IdentityLedger = Pick<Ledger<IdentityEvent>, 'append'>;

type RevokeArgs = {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: IdentityLedger;
  actor: EventActor;
  userId: string;
};

/** Revokes every API token of the user, each with its `identity.api_token_revoked` event; returns how many. */
export async function revokeAllUserApiTokens({
  db,
  clock,
  ledger,
  actor,
  userId,
}: RevokeArgs): Promise<number> {
  return inTransaction(db, async (trx) => {
    const tokenIds = await createApiTokensRepository({ db: trx }).revokeAllApiTokensOfUser({
      userId,
      at: clock.now(),
    });
    for (const tokenId of tokenIds) {
      await ledger.append({
        db: trx,
        event: { kind: 'identity.api_token_revoked', actor, data: { userId, tokenId } },
      });
    }
    return tokenIds.length;
  });
}

/** Removes every SSH key of the user, each with its `identity.ssh_key_removed` event; returns how many. */
export async function removeAllUserSshKeys({
  db,
  ledger,
  actor,
  userId,
}: Omit<RevokeArgs, 'clock'>): Promise<number> {
  return inTransaction(db, async (trx) => {
    const keyIds = await createSshKeysRepository({ db: trx }).deleteAllSshKeysOfUser({ userId });
    for (const keyId of keyIds) {
      await ledger.append({
        db: trx,
        event: { kind: 'identity.ssh_key_removed', actor, data: { userId, keyId } },
      });
    }
    return keyIds.length;
  });
}

/**
 * Ends every way into the account that does not ask for the password again: sessions, API tokens and SSH
 * keys, each recorded, in the caller's transaction. Every response to a suspected compromise calls it (a
 * password reset by link or recovery code, an administrator ending all sessions, an MFA reset, disabling):
 * a token or key made from a stolen session would otherwise outlive the response.
 * @NOTE A changed password alone is no defence: tokens and keys never ask for it.
 */
export async function revokeAllUserCredentials(
  args: RevokeArgs,
): Promise<{ sessionCount: number; apiTokenCount: number; sshKeyCount: number }> {
  return inTransaction(args.db, async (trx) => {
    const { count: sessionCount } = await revokeAllUserSessions({ ...args, db: trx });
    const apiTokenCount = await revokeAllUserApiTokens({ ...args, db: trx });
    const sshKeyCount = await removeAllUserSshKeys({ ...args, db: trx });
    return { sessionCount, apiTokenCount, sshKeyCount };
  });
}
