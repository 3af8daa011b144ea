import { expect, test } from 'vitest';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { createTestClock } from '../../shared/clock/clock.test-utils.js';
import { createIdentityFixtures } from './identity.admin.test-utils.js';
import { isSessionLive } from './identity.my-sessions.usecases.js';

describeOnDatabases('a session behind a long-lived connection (SFTP)', ({ getDb }) => {
  test('stands until it is revoked, reaches its absolute expiry, or its account is disabled', async () => {
    const db = getDb();
    const clock = createTestClock();
    const fixtures = createIdentityFixtures({ db, clock });
    const user = await fixtures.user({ role: 'lawyer' });
    const live = (sessionId: string, at = clock) =>
      isSessionLive({ db, clock: at, userId: user.id, sessionId });

    const { session } = await fixtures.session(user);
    expect(await live(session.id)).toBe(true);
    // Idleness does not end it: the connection is the activity. The absolute expiry does.
    const later = createTestClock({ now: new Date(session.expiresAt.getTime() - 1) });
    expect(await live(session.id, later)).toBe(true);
    const expired = createTestClock({ now: session.expiresAt });
    expect(await live(session.id, expired)).toBe(false);

    const revoked = (await fixtures.session(user)).session;
    await db
      .updateTable('sessions')
      .set({ revoked_at: clock.now().getTime() })
      .where('id', '=', revoked.id)
      .execute();
    expect(await live(revoked.id)).toBe(false);

    // Another user's session id, or none, never stands for this user.
    const other = (await fixtures.session(await fixtures.user({ role: 'lawyer' }))).session;
    expect(await live(other.id)).toBe(false);
    expect(await live('')).toBe(false);

    await db.updateTable('users').set({ status: 'disabled' }).where('id', '=', user.id).execute();
    expect(await live(session.id)).toBe(false);
  });
});
