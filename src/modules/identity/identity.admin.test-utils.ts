import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { createTestIdentityDependencies } from '../../../test/support/identity.js';
import type { TestClock } from '../../shared/clock/clock.test-utils.js';
import { hashSecretToken } from '../../shared/random/tokens.js';
import type { WritDatabase } from '../database.js';
import { createUserBySystem } from './identity.admin.usecases.js';
import type { Principal, Role, User } from './identity.models.js';
import { generateSessionId } from './identity.sessions.models.js';
import { createSessionsRepository } from './identity.sessions.repository.js';
import { goodPassword } from './identity.sessions.test-utils.js';

export {
  countLedgerEntries,
  expectCode,
  goodPassword,
  ledgerEntries,
} from './identity.sessions.test-utils.js';

/** Every row of the tables a test cares about, to assert that a refusal changed nothing. */
export async function snapshotTables(db: Kysely<WritDatabase>, tables: readonly (keyof WritDatabase)[]) {
  const snapshot: Record<string, unknown[]> = {};
  for (const table of tables) snapshot[table] = await db.selectFrom(table).selectAll().execute();
  return snapshot;
}

/** Real identity collaborators, and fixtures made through the real use-cases and repositories. */
export function createIdentityFixtures({ db, clock }: { db: Kysely<WritDatabase>; clock: TestClock }) {
  const deps = createTestIdentityDependencies({ db, clock });
  let counter = 0;
  return {
    deps,
    async user({ role = 'lawyer', username }: { role?: Role; username?: string } = {}): Promise<User> {
      counter += 1;
      const { user } = await createUserBySystem({
        ...deps,
        username: username ?? `${role.replace('_', '-')}-${counter}-${randomBytes(3).toString('hex')}`,
        role,
        password: goodPassword,
      });
      return user;
    },
    /** A session row for the user, as sign-in would leave it, and the principal it stands for. */
    async session(user: User, { secondFactorAt = clock.now() }: { secondFactorAt?: Date } = {}) {
      const now = clock.now();
      const session = {
        id: generateSessionId(),
        userId: user.id,
        createdAt: now,
        lastSeenAt: now,
        expiresAt: new Date(now.getTime() + 12 * 60 * 60_000),
        secondFactorAt,
        deviceLabel: 'Firefox on Linux',
      };
      await db.transaction().execute((trx) =>
        createSessionsRepository({ db: trx }).insertSession({
          session,
          tokenHash: hashSecretToken(randomBytes(32).toString('base64url')),
          csrfToken: randomBytes(16).toString('base64url'),
          deviceIdHash: hashSecretToken(randomBytes(16).toString('base64url')),
        }),
      );
      const principal: Principal = {
        userId: user.id,
        role: user.role,
        via: 'session',
        sessionId: session.id,
        apiTokenId: undefined,
        secondFactorAt,
        scopes: undefined,
      };
      return { session, principal };
    },
    /** A principal as an API token of the user would authenticate. */
    tokenPrincipal(user: User): Principal {
      return {
        userId: user.id,
        role: user.role,
        via: 'api_token',
        sessionId: undefined,
        apiTokenId: 'tok_test',
        secondFactorAt: undefined,
        scopes: ['documents:read'],
      };
    },
  };
}

export async function liveSessionCount(db: Kysely<WritDatabase>, userId: string): Promise<number> {
  const rows = await db
    .selectFrom('sessions')
    .select('id')
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .execute();
  return rows.length;
}
