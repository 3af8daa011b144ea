import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  type Classification,
  classifications,
  installationActions,
  type MatterAction,
  matterActions,
} from './access.models.js';
import { defaultPoliciesDir, loadPolicyEngine } from './access.policy.js';
import type { PolicyRequest } from './access.policy.js';

/**
 * Every role × action × classification × membership × wall × named grant × second factor × matter status,
 * decided by the real Cedar policies and by an oracle written the way a compliance officer reads the rules.
 */

const engine = loadPolicyEngine();

type Persona = { name: string; role: string; isComplianceOfficer: boolean };
const personas: Persona[] = [
  { name: 'admin', role: 'admin', isComplianceOfficer: false },
  { name: 'lawyer', role: 'lawyer', isComplianceOfficer: false },
  { name: 'assistant', role: 'assistant', isComplianceOfficer: false },
  { name: 'process_server', role: 'process_server', isComplianceOfficer: false },
  { name: 'client', role: 'client', isComplianceOfficer: false },
  { name: 'auditor', role: 'auditor', isComplianceOfficer: false },
  { name: 'auditor+compliance', role: 'auditor', isComplianceOfficer: true },
];
const memberships = ['owner', 'editor', 'viewer', 'none'] as const;
type Membership = (typeof memberships)[number];
const statuses = ['open', 'closed', 'archived'] as const;
const booleans = [false, true] as const;

/** Actions whose resource may be a document or folder (schema: `resource: [Matter, Document]`). */
const documentResourceActions: readonly MatterAction[] = [
  'matter.lower_classification',
  'document.list',
  'document.read',
  'document.write',
  'document.organize',
  'document.share_outside',
];

type Case = {
  persona: Persona;
  action: MatterAction;
  resourceType: 'Matter' | 'Document';
  classification: Classification;
  membership: Membership;
  isScreened: boolean;
  isNamed: boolean;
  hasRecentSecondFactor: boolean;
  status: (typeof statuses)[number];
};

const contentActions: readonly MatterAction[] = [
  'document.list',
  'document.read',
  'document.write',
  'document.organize',
  'document.share_outside',
];
const isMember = (membership: Membership) => membership !== 'none';
const isEditorOrOwner = (membership: Membership) => membership === 'owner' || membership === 'editor';

/** The rules, as written in the firm's access policy, one sentence at a time. */
function oracle(c: Case): boolean {
  const { role, isComplianceOfficer } = c.persona;
  // 1. An ethical wall: a screened person can do nothing in the matter.
  if (c.isScreened) return false;
  // 2. Administrators never act inside a matter, member or not.
  if (role === 'admin') return false;
  // 3. Auditors never touch content or membership.
  if (
    role === 'auditor' &&
    (contentActions.includes(c.action) ||
      [
        'matter.manage_members',
        'matter.rotate_keys',
        'matter.change_status',
        'matter.lower_classification',
        'matter.decide_access_request',
      ].includes(c.action))
  ) {
    return false;
  }
  const highlySensitive = c.classification === 'highly_sensitive';
  // 4. Assistants reach highly sensitive material only with a grant naming them: without one they neither
  // see it nor change it.
  if (role === 'assistant' && highlySensitive && !c.isNamed && contentActions.includes(c.action)) {
    return false;
  }
  // 5. Highly sensitive reads need a recent second factor.
  if (c.action === 'document.read' && highlySensitive && !c.hasRecentSecondFactor) return false;
  // 6. Highly sensitive content leaves the firm only by an owner.
  if (c.action === 'document.share_outside' && highlySensitive && c.membership !== 'owner') return false;
  // 7. A matter that is not open is read-only.
  if ((c.action === 'document.write' || c.action === 'document.organize') && c.status !== 'open')
    return false;

  switch (c.action) {
    case 'matter.create':
      return role === 'lawyer';
    case 'matter.view':
    case 'document.list':
    case 'document.read':
      return isMember(c.membership);
    case 'document.write':
    case 'document.organize':
    case 'document.share_outside':
      return isEditorOrOwner(c.membership);
    case 'matter.manage_members':
    case 'matter.rotate_keys':
    case 'matter.change_status':
    case 'matter.lower_classification':
    case 'matter.decide_access_request':
      return c.membership === 'owner';
    case 'matter.read_access_report':
      return c.membership === 'owner' || role === 'auditor';
    case 'matter.request_access':
      return (role === 'lawyer' || role === 'assistant') && c.membership === 'none';
    case 'matter.manage_walls':
      return role === 'auditor' && isComplianceOfficer;
  }
}

function requestOf(c: Case): PolicyRequest {
  // The matter's own classification differs from the document's: the document's must be the one that counts.
  const matter = { id: 'mat_1', classification: c.classification === 'public' ? 'internal' : 'public' };
  return {
    principal: { id: 'usr_1', role: c.persona.role, isComplianceOfficer: c.persona.isComplianceOfficer },
    action: c.action,
    resource:
      c.resourceType === 'Matter'
        ? { type: 'Matter', id: 'mat_1', classification: c.classification }
        : { type: 'Document', id: 'doc_1', classification: c.classification, matter },
    context: {
      membership: c.membership,
      isNamedForHighlySensitive: c.isNamed,
      isScreened: c.isScreened,
      hasRecentSecondFactor: c.hasRecentSecondFactor,
      matterStatus: c.status,
    },
  };
}

function* allCases(): Generator<Case> {
  for (const persona of personas)
    for (const action of matterActions)
      for (const resourceType of documentResourceActions.includes(action)
        ? (['Matter', 'Document'] as const)
        : (['Matter'] as const))
        for (const classification of classifications)
          for (const membership of memberships)
            for (const isScreened of booleans)
              for (const isNamed of booleans)
                for (const hasRecentSecondFactor of booleans)
                  for (const status of statuses)
                    yield {
                      persona,
                      action,
                      resourceType,
                      classification,
                      membership,
                      isScreened,
                      isNamed,
                      hasRecentSecondFactor,
                      status,
                    };
}

/** Acts on the installation: who the principal is and how they came in, nothing of any matter. */
type InstallationCase = {
  persona: Persona;
  action: (typeof installationActions)[number];
  isInteractiveSession: boolean;
};

function* allInstallationCases(): Generator<InstallationCase> {
  for (const persona of personas)
    for (const action of installationActions)
      for (const isInteractiveSession of booleans) yield { persona, action, isInteractiveSession };
}

/**
 * 8. Administrators, and only they, run accounts; the firm's staff (not clients or process servers) read
 * the colleague directory; both only in a signed-in session, never by API token.
 */
function installationOracle(c: InstallationCase): boolean {
  if (!c.isInteractiveSession) return false;
  if (c.action === 'installation.manage_accounts') return c.persona.role === 'admin';
  return ['admin', 'lawyer', 'assistant', 'auditor'].includes(c.persona.role);
}

function installationRequestOf(c: InstallationCase): PolicyRequest {
  return {
    principal: { id: 'usr_1', role: c.persona.role, isComplianceOfficer: c.persona.isComplianceOfficer },
    action: c.action,
    resource: { type: 'Installation', id: 'writ' },
    context: { isInteractiveSession: c.isInteractiveSession },
  };
}

const describeCase = (c: Case) =>
  `${c.persona.name} ${c.action} on ${c.resourceType}(${c.classification}) as ${c.membership}` +
  `${c.isScreened ? ' screened' : ''}${c.isNamed ? ' named' : ''}${c.hasRecentSecondFactor ? ' 2fa' : ''} ${c.status}`;

describe('access policies: every combination against the oracle', () => {
  test('role × action × classification × membership × wall × grant × step-up × status', () => {
    const mismatches: string[] = [];
    let count = 0;
    let allowed = 0;
    for (const c of allCases()) {
      count += 1;
      const decision = engine.decide(requestOf(c));
      if (decision.isAllowed) allowed += 1;
      if (decision.isAllowed !== oracle(c)) {
        mismatches.push(`${describeCase(c)}: policy ${decision.isAllowed ? 'allows' : 'denies'}`);
      }
      // A decision is always explained by the ids of the policies that took it (or none: nothing permitted).
      for (const reason of decision.reasons) {
        if (!engine.policyIds.includes(reason))
          mismatches.push(`${describeCase(c)}: unknown reason ${reason}`);
      }
    }
    for (const c of allInstallationCases()) {
      count += 1;
      const decision = engine.decide(installationRequestOf(c));
      if (decision.isAllowed) allowed += 1;
      if (decision.isAllowed !== installationOracle(c)) {
        mismatches.push(
          `${c.persona.name} ${c.action}${c.isInteractiveSession ? ' in session' : ' by token'}: ` +
            `policy ${decision.isAllowed ? 'allows' : 'denies'}`,
        );
      }
    }
    // 7 personas × (9 matter-only actions + 6 actions × 2 resource types) × 3 × 4 × 2 × 2 × 2 × 3,
    // then 7 personas × 2 installation actions × session or token.
    expect(count).toBe(7 * (9 + 6 * 2) * 3 * 4 * 2 * 2 * 2 * 3 + 7 * 2 * 2);
    expect(allowed).toBeGreaterThan(0);
    expect(mismatches.slice(0, 20)).toEqual([]);
  }, 300_000);

  test('every action of the models is named in the schema and the policies, and vice versa', () => {
    const schema = readFileSync(join(defaultPoliciesDir, 'schema.cedarschema'), 'utf8');
    const named = [...schema.matchAll(/action "([^"]+)"/g)].map((match) => match[1]);
    // `in_matter` is the group of every matter action, not an action asked about.
    expect([...named].sort()).toEqual([...matterActions, ...installationActions, 'in_matter'].sort());
  });
});

describe('access policies: the key rules, spelled out', () => {
  const base: Case = {
    persona: { name: 'lawyer', role: 'lawyer', isComplianceOfficer: false },
    action: 'document.read',
    resourceType: 'Document',
    classification: 'internal',
    membership: 'owner',
    isScreened: false,
    isNamed: false,
    hasRecentSecondFactor: true,
    status: 'open',
  };
  const persona = (name: string): Persona => {
    const found = personas.find((p) => p.name === name);
    if (found === undefined) throw new Error(`no persona ${name}`);
    return found;
  };
  const decide = (overrides: Partial<Case>) => engine.decide(requestOf({ ...base, ...overrides }));

  test('an ethical wall beats ownership, for every action', () => {
    for (const action of matterActions) {
      const decision = decide({ action, resourceType: 'Matter', isScreened: true });
      expect(decision, action).toMatchObject({ isAllowed: false });
      expect(decision.reasons, action).toContain('ethical-wall');
    }
    expect(decide({}).isAllowed).toBe(true);
  });

  test('an administrator who is a member can do nothing in the matter', () => {
    for (const action of matterActions) {
      const decision = decide({ persona: persona('admin'), action, resourceType: 'Matter' });
      expect(decision.isAllowed, action).toBe(false);
    }
    expect(decide({ persona: persona('admin') }).reasons).toContain('administrators-stay-out-of-matters');
  });

  test('only an administrator manages accounts, in a session, and that grants nothing in a matter', () => {
    for (const p of personas) {
      for (const isInteractiveSession of booleans) {
        const decision = engine.decide(
          installationRequestOf({ persona: p, action: 'installation.manage_accounts', isInteractiveSession }),
        );
        expect(decision.isAllowed, `${p.name} ${String(isInteractiveSession)}`).toBe(
          p.role === 'admin' && isInteractiveSession,
        );
      }
    }
    expect(
      engine.decide(
        installationRequestOf({
          persona: persona('admin'),
          action: 'installation.manage_accounts',
          isInteractiveSession: false,
        }),
      ).reasons,
    ).toEqual(['accounts-are-managed-in-a-session']);
    // The administrator who runs accounts still cannot act in any matter, even one they were made owner of.
    for (const action of ['matter.manage_members', 'matter.view', 'document.read'] as const) {
      expect(decide({ persona: persona('admin'), action, resourceType: 'Matter' }).isAllowed, action).toBe(
        false,
      );
    }
  });

  test('an auditor never reads, lists or changes content, even as an owner; reads access reports', () => {
    for (const p of [persona('auditor'), persona('auditor+compliance')]) {
      for (const action of contentActions) {
        expect(decide({ persona: p, action }).isAllowed, `${p.name} ${action}`).toBe(false);
      }
      expect(
        decide({
          persona: p,
          action: 'matter.read_access_report',
          resourceType: 'Matter',
          membership: 'none',
        }).isAllowed,
      ).toBe(true);
    }
    expect(
      decide({ persona: persona('auditor'), action: 'matter.manage_walls', resourceType: 'Matter' })
        .isAllowed,
    ).toBe(false);
    expect(
      decide({
        persona: persona('auditor+compliance'),
        action: 'matter.manage_walls',
        resourceType: 'Matter',
        membership: 'none',
      }).isAllowed,
    ).toBe(true);
  });

  test('an assistant needs a named grant for highly sensitive content', () => {
    const assistant = { persona: persona('assistant'), classification: 'highly_sensitive' as const };
    const unnamed = decide({ ...assistant, action: 'document.list' });
    expect(unnamed.isAllowed).toBe(false);
    expect(unnamed.reasons).toContain('assistants-need-a-named-grant');
    expect(decide({ ...assistant, action: 'document.read' }).isAllowed).toBe(false);
    expect(decide({ ...assistant, action: 'document.read', isNamed: true }).isAllowed).toBe(true);
    expect(decide({ ...assistant, classification: 'internal', action: 'document.read' }).isAllowed).toBe(
      true,
    );
  });

  test('an assistant editor without a named grant cannot change, move or overwrite highly sensitive items', () => {
    const assistant = { persona: persona('assistant'), membership: 'editor' as const };
    for (const action of ['document.write', 'document.organize'] as const) {
      const unnamed = decide({ ...assistant, action, classification: 'highly_sensitive' });
      // The same reason as for listing, so that the caller is answered not-found rather than forbidden.
      expect(unnamed, action).toEqual({ isAllowed: false, reasons: ['assistants-need-a-named-grant'] });
      expect(
        decide({ ...assistant, action, classification: 'highly_sensitive', isNamed: true }).isAllowed,
      ).toBe(true);
      expect(decide({ ...assistant, action, classification: 'internal' }).isAllowed, action).toBe(true);
      // Lawyers need no named grant.
      expect(decide({ action, classification: 'highly_sensitive', membership: 'editor' }).isAllowed).toBe(
        true,
      );
    }
  });

  test('reading highly sensitive content needs a recent second factor (step-up), and only that', () => {
    const decision = decide({ classification: 'highly_sensitive', hasRecentSecondFactor: false });
    expect(decision).toEqual({ isAllowed: false, reasons: ['highly-sensitive-needs-step-up'] });
    expect(decide({ classification: 'highly_sensitive' }).isAllowed).toBe(true);
    expect(decide({ classification: 'internal', hasRecentSecondFactor: false }).isAllowed).toBe(true);
    // Listing is not reading.
    expect(
      decide({ classification: 'highly_sensitive', hasRecentSecondFactor: false, action: 'document.list' })
        .isAllowed,
    ).toBe(true);
  });

  test('a closed or archived matter is read-only', () => {
    for (const status of ['closed', 'archived'] as const) {
      expect(decide({ status, action: 'document.read' }).isAllowed).toBe(true);
      expect(decide({ status, action: 'document.list' }).isAllowed).toBe(true);
      const write = decide({ status, action: 'document.write' });
      expect(write).toEqual({ isAllowed: false, reasons: ['closed-matters-are-read-only'] });
      expect(decide({ status, action: 'document.organize' }).isAllowed).toBe(false);
    }
  });

  test('only lawyers open matters', () => {
    for (const p of personas) {
      const decision = decide({
        persona: p,
        action: 'matter.create',
        resourceType: 'Matter',
        membership: 'none',
      });
      expect(decision.isAllowed, p.name).toBe(p.role === 'lawyer');
    }
  });

  test('a non-member sees nothing of a matter, and a viewer changes nothing', () => {
    for (const action of ['matter.view', 'document.list', 'document.read'] as const) {
      const resourceType = action === 'matter.view' ? 'Matter' : 'Document';
      expect(decide({ action, resourceType, membership: 'none' })).toEqual({ isAllowed: false, reasons: [] });
    }
    for (const action of ['document.write', 'document.organize', 'document.share_outside'] as const) {
      expect(decide({ action, membership: 'viewer' }).isAllowed).toBe(false);
    }
  });
});

describe('access policies: a policy set that does not validate stops loading', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  function policiesDirWith(policies: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'writ-policies-'));
    dirs.push(dir);
    writeFileSync(
      join(dir, 'schema.cedarschema'),
      readFileSync(join(defaultPoliciesDir, 'schema.cedarschema'), 'utf8'),
    );
    writeFileSync(join(dir, 'matters.cedar'), policies);
    return dir;
  }
  const expectInvalid = (policiesDir: string, message: RegExp) => {
    let thrown: unknown;
    try {
      loadPolicyEngine({ policiesDir });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'access.policy_invalid' });
    expect((thrown as Error).message).toMatch(message);
  };

  test('the real policies load, each with its @id', () => {
    expect(engine.policyIds).toContain('ethical-wall');
    expect(new Set(engine.policyIds).size).toBe(engine.policyIds.length);
  });

  test('an attribute the schema does not declare', () => {
    expectInvalid(
      policiesDirWith(
        '@id("typo")\npermit (principal, action == Writ::Action::"document.read", resource)\nwhen { context.isScreend == false };\n',
      ),
      /./,
    );
  });

  test('an action the schema does not declare', () => {
    expectInvalid(
      policiesDirWith(
        '@id("unknown-action")\npermit (principal, action == Writ::Action::"document.eat", resource);\n',
      ),
      /./,
    );
  });

  test('a syntax error', () => {
    expectInvalid(
      policiesDirWith('@id("broken")\npermit (principal, action, resource) when { ;\n'),
      /matters\.cedar/,
    );
  });

  test('a policy without an @id', () => {
    expectInvalid(
      policiesDirWith(
        '@id("fine")\npermit (principal, action == Writ::Action::"matter.view", resource);\n' +
          'forbid (principal, action, resource) when { context.isScreened };\n',
      ),
      /unique @id/,
    );
  });

  test('two policies with the same @id', () => {
    expectInvalid(
      policiesDirWith(
        '@id("same")\npermit (principal, action == Writ::Action::"matter.view", resource);\n' +
          '@id("same")\nforbid (principal, action, resource) when { context.isScreened };\n',
      ),
      /unique @id/,
    );
  });
});
