import { expect, test } from 'vitest';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { testPolicyEngine } from '../../../test/support/documents.js';
import { createTestClock } from '../../shared/clock/clock.test-utils.js';
import { createIdentityFixtures, expectCode } from './identity.admin.test-utils.js';
import { lookUpColleagues } from './identity.directory.usecases.js';

describeOnDatabases('the colleague directory', ({ getDb }) => {
  const clock = createTestClock();

  test('a lawyer finds colleagues by username or id and learns only their id, username and role', async () => {
    const db = getDb();
    const fixtures = createIdentityFixtures({ db, clock });
    const lawyer = await fixtures.user({ role: 'lawyer' });
    const assistant = await fixtures.user({ role: 'assistant', username: 'dir-assistant' });
    const client = await fixtures.user({ role: 'client', username: 'dir-client' });
    const { principal } = await fixtures.session(lawyer);

    const byName = await lookUpColleagues({
      db,
      policy: testPolicyEngine(),
      principal,
      usernames: ['  Dir-Assistant ', 'nobody-here'],
    });
    expect(byName).toEqual({ users: [{ id: assistant.id, username: 'dir-assistant', role: 'assistant' }] });

    const byId = await lookUpColleagues({
      db,
      policy: testPolicyEngine(),
      principal,
      userIds: [client.id, 'usr_00000000000000000000000000'],
    });
    expect(byId).toEqual({ users: [{ id: client.id, username: 'dir-client', role: 'client' }] });

    expect(await lookUpColleagues({ db, policy: testPolicyEngine(), principal })).toEqual({ users: [] });
  });

  test('clients, process servers and API tokens may not list the firm’s people', async () => {
    const db = getDb();
    const fixtures = createIdentityFixtures({ db, clock });
    const lawyer = await fixtures.user({ role: 'lawyer', username: 'dir-known-lawyer' });
    for (const role of ['client', 'process_server'] as const) {
      const { principal } = await fixtures.session(await fixtures.user({ role }));
      await expectCode(
        lookUpColleagues({ db, policy: testPolicyEngine(), principal, usernames: ['dir-known-lawyer'] }),
        'identity.directory_not_allowed',
      );
    }
    await expectCode(
      lookUpColleagues({
        db,
        policy: testPolicyEngine(),
        principal: fixtures.tokenPrincipal(lawyer),
        userIds: [lawyer.id],
      }),
      'identity.directory_not_allowed',
    );
  });
});
