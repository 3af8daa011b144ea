import { expect, test } from 'vitest';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { createTestPrincipal, testPolicyEngine } from '../../../test/support/documents.js';
import { createTestClock } from '../../shared/clock/clock.test-utils.js';
import type { Role } from '../identity/identity.models.js';
import { createLedger } from '../ledger/ledger.usecases.js';
import { designateComplianceOfficer } from './access.compliance.usecases.js';
import {
  type AccessDecision,
  type Classification,
  classifications,
  type MatterAction,
  matterActions,
  type MatterFacts,
} from './access.models.js';
import { type AccessPrincipal, authorizeMatterAction, authorizeMatterCreation } from './access.usecases.js';

// Archived is read-only like closed (`matterStatus != "open"`).
const statuses = ['open', 'closed'] as const;

describeOnDatabases('access: what a denial tells the caller', ({ getDb }) => {
  const stepUpMinutes = 10;
  const setup = () => {
    const db = getDb();
    const clock = createTestClock();
    const access = { db, clock, policy: testPolicyEngine(), stepUpMinutes };
    const user = async (role: Role) => createTestPrincipal({ db, clock, role });
    // Second factors that would make step-up the only missing piece: proved long ago, never (an API token).
    const secondFactors = (principal: AccessPrincipal) => [
      { ...principal, secondFactorAt: new Date(clock.now().getTime() - 60 * 60_000) },
      { ...principal, secondFactorAt: undefined },
    ];
    const decide = (principal: AccessPrincipal, action: MatterAction, facts: MatterFacts) =>
      authorizeMatterAction({ ...access, principal, action, facts });
    return { clock, access, user, secondFactors, decide };
  };
  const factsOf = ({
    classification,
    status,
    membership,
    onItem = true,
  }: {
    classification: Classification;
    status: string;
    membership: MatterFacts['membership'];
    onItem?: boolean;
  }): MatterFacts => ({
    matter: { id: 'mat_denials', classification: onItem ? 'internal' : classification, status },
    item: onItem ? { id: 'doc_denials', classification } : undefined,
    membership,
  });
  // The actions the schema lets act on a document as well as on the matter.
  const takesItem = (action: MatterAction) =>
    action.startsWith('document.') || action === 'matter.lower_classification';
  const reasonOf = (decision: AccessDecision) => (decision.isAllowed ? 'allowed' : decision.reason);

  test("a non-member is only ever told not-found: never a document's label, a matter's status or a missing step-up", async () => {
    const { user, secondFactors, decide } = setup();
    const seen = new Set<string>();
    for (const role of ['lawyer', 'assistant'] as const) {
      for (const principal of secondFactors(await user(role))) {
        for (const classification of classifications) {
          for (const status of statuses) {
            for (const action of matterActions) {
              for (const onItem of takesItem(action) ? [true, false] : [false]) {
                const facts = factsOf({ classification, status, membership: undefined, onItem });
                const decision = await decide(principal, action, facts);
                if (decision.isAllowed) continue;
                seen.add(decision.reason);
                expect(decision.reason, `${role} ${action} ${classification} ${status}`).toBe('hidden');
              }
            }
          }
        }
      }
    }
    expect([...seen]).toEqual(['hidden']);
  });

  test('an API token reading a highly sensitive document of a matter it is no member of gets not-found, as for an ordinary one', async () => {
    const { user, decide } = setup();
    const token = { ...(await user('lawyer')), secondFactorAt: undefined };
    for (const classification of classifications) {
      const decision = await decide(
        token,
        'document.read',
        factsOf({ classification, status: 'open', membership: undefined }),
      );
      expect(reasonOf(decision)).toBe('hidden');
    }
  });

  test('a member is still told that only a step-up is missing, that the matter is closed, or that the role does not allow it', async () => {
    const { clock, user, decide } = setup();
    const viewer = { role: 'viewer', isNamedForHighlySensitive: false } as const;
    const editor = { role: 'editor', isNamedForHighlySensitive: false } as const;
    const lawyer = await user('lawyer');
    const stale = { ...lawyer, secondFactorAt: new Date(clock.now().getTime() - 60 * 60_000) };
    const highlySensitive = { classification: 'highly_sensitive', status: 'open' } as const;
    expect(
      reasonOf(await decide(stale, 'document.read', factsOf({ ...highlySensitive, membership: viewer }))),
    ).toBe('step_up_required');
    expect(
      reasonOf(await decide(lawyer, 'document.read', factsOf({ ...highlySensitive, membership: viewer }))),
    ).toBe('allowed');
    const closed = { classification: 'internal', status: 'closed' } as const;
    expect(reasonOf(await decide(lawyer, 'document.write', factsOf({ ...closed, membership: editor })))).toBe(
      'closed',
    );
    expect(
      reasonOf(
        await decide(lawyer, 'document.write', factsOf({ ...closed, status: 'open', membership: viewer })),
      ),
    ).toBe('forbidden');
    const assistant = { ...(await user('assistant')), secondFactorAt: clock.now() };
    expect(
      reasonOf(await decide(assistant, 'document.read', factsOf({ ...highlySensitive, membership: editor }))),
    ).toBe('hidden');
  });

  test('what needs no membership still holds on a closed, highly sensitive matter with a stale second factor', async () => {
    const { clock, access, user, decide } = setup();
    const admin = await user('admin');
    const officer = await user('auditor');
    await designateComplianceOfficer({
      ...access,
      ledger: createLedger({ clock }),
      principal: admin,
      userId: officer.userId,
    });
    const stale = <P extends AccessPrincipal>(principal: P): P => ({
      ...principal,
      secondFactorAt: new Date(clock.now().getTime() - 60 * 60_000),
    });
    const auditor = stale(await user('auditor'));
    const lawyer = stale(await user('lawyer'));
    const assistant = stale(await user('assistant'));
    const facts: MatterFacts = {
      matter: { id: 'mat_closed_secret', classification: 'highly_sensitive', status: 'closed' },
      membership: undefined,
    };
    expect(reasonOf(await decide(auditor, 'matter.read_access_report', facts))).toBe('allowed');
    expect(reasonOf(await decide(stale(officer), 'matter.manage_walls', facts))).toBe('allowed');
    expect(reasonOf(await decide(lawyer, 'matter.request_access', facts))).toBe('allowed');
    expect(reasonOf(await decide(assistant, 'matter.request_access', facts))).toBe('allowed');
    expect(reasonOf(await authorizeMatterCreation({ ...access, principal: lawyer }))).toBe('allowed');
    // And those who hold none of these are told not-found.
    expect(reasonOf(await decide(auditor, 'matter.manage_walls', facts))).toBe('hidden');
    expect(reasonOf(await decide(lawyer, 'matter.read_access_report', facts))).toBe('hidden');
    expect(reasonOf(await authorizeMatterCreation({ ...access, principal: assistant }))).toBe('hidden');
  });
});
