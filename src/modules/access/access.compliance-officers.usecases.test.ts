import { afterAll, expect, test } from 'vitest';
import { expectCode } from '../../../test/support/assertions.js';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { createDocumentsFixtures, testPolicyEngine } from '../../../test/support/documents.js';
import { createLedger } from '../ledger/ledger.usecases.js';
import { designateComplianceOfficer, revokeComplianceOfficer } from './access.compliance.usecases.js';
import { listComplianceOfficers } from './access.compliance-officers.usecases.js';

describeOnDatabases('access: the list of compliance officers', ({ getDb }) => {
  const cleanups: (() => void)[] = [];
  afterAll(() => {
    for (const cleanup of cleanups) cleanup();
  });
  const setup = async () => {
    const fixtures = await createDocumentsFixtures({ db: getDb() });
    cleanups.push(fixtures.deps.cleanup);
    const { deps, user } = fixtures;
    const admin = await user('admin');
    const designation = {
      ...deps,
      ledger: createLedger({ clock: deps.clock }),
      policy: deps.access.policy,
      stepUpMinutes: deps.access.stepUpMinutes,
      principal: admin,
    };
    return { ...fixtures, admin, designation };
  };

  test('an administrator sees who is designated, by whom and since when; a withdrawn designation is gone', async () => {
    const { db, clock, user, admin, designation } = await setup();
    const kept = await user('auditor');
    const withdrawn = await user('auditor');
    await designateComplianceOfficer({ ...designation, userId: kept.userId });
    await designateComplianceOfficer({ ...designation, userId: withdrawn.userId });
    await revokeComplianceOfficer({ ...designation, userId: withdrawn.userId });

    const officers = await listComplianceOfficers({ db, policy: testPolicyEngine(), principal: admin });
    const mine = officers.filter((officer) => [kept.userId, withdrawn.userId].includes(officer.userId));
    expect(mine).toEqual([{ userId: kept.userId, designatedBy: admin.userId, designatedAt: clock.now() }]);
  });

  test('anyone but an administrator in a session is refused', async () => {
    const { db, user, admin } = await setup();
    const auditor = await user('auditor');
    const lawyer = await user('lawyer');
    const adminToken = { ...admin, via: 'api_token' as const, sessionId: undefined };
    for (const principal of [auditor, lawyer, adminToken]) {
      await expectCode(
        listComplianceOfficers({ db, policy: testPolicyEngine(), principal }),
        'identity.admin_required',
      );
    }
  });
});
