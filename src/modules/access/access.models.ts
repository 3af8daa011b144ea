import { createPrefixedIdGenerator } from '../../shared/ids/ids.js';

/**
 * What a principal may ask to do. Decisions on these are taken by the Cedar policies in `policies/`,
 * through access.usecases.ts, and nowhere else.
 * @NOTE Action names appear in policies/schema.cedarschema and policies/*.cedar: rename them together.
 */
export const matterActions = [
  'matter.create',
  'matter.view',
  'matter.manage_members',
  'matter.rotate_keys',
  'matter.change_status',
  'matter.lower_classification',
  'matter.request_access',
  'matter.decide_access_request',
  'matter.manage_walls',
  'matter.read_access_report',
  'document.list',
  'document.read',
  'document.write',
  'document.organize',
  'document.share_outside',
] as const;
export type MatterAction = (typeof matterActions)[number];

/**
 * Acts on the installation itself rather than in a matter, decided by the same policies.
 * @NOTE Named in policies/schema.cedarschema and policies/*.cedar: rename them together.
 */
export const installationActions = ['installation.manage_accounts', 'installation.read_directory'] as const;
export type InstallationAction = (typeof installationActions)[number];

/** @NOTE Stored on matters, folders and documents, and named in the policies. */
export const classifications = ['public', 'internal', 'highly_sensitive'] as const;
export type Classification = (typeof classifications)[number];

export function isClassification(value: string): value is Classification {
  return (classifications as readonly string[]).includes(value);
}

/** Lower is less restricted. */
export function classificationRank(value: Classification): number {
  return classifications.indexOf(value);
}

export type MatterMembershipRole = 'owner' | 'editor' | 'viewer';

/** What the caller's module knows about the matter and the principal's place in it. */
export type MatterFacts = {
  matter: { id: string; classification: Classification; status: string };
  /** The folder or document acted on, with its effective classification; omit for the matter itself. */
  item?: { id: string; classification: Classification } | undefined;
  /** The principal's live membership, if any. */
  membership: { role: MatterMembershipRole; isNamedForHighlySensitive: boolean } | undefined;
};

/**
 * Why a request was refused, as the caller must answer it:
 * - `hidden`: the caller must not learn the resource exists (404);
 * - `forbidden`: the caller sees it but may not do this (403);
 * - `step_up_required`: allowed after a fresh second factor;
 * - `closed`: the matter is closed or archived (409).
 */
export type AccessDecision =
  | { isAllowed: true }
  | {
      isAllowed: false;
      reason: 'hidden' | 'forbidden' | 'step_up_required' | 'closed';
      policies: readonly string[];
    };

type PolicyPrincipal = { id: string; role: string; isComplianceOfficer: boolean };

/** A Cedar request as Writ asks it: entity types and actions of `policies/schema.cedarschema`. */
export type PolicyRequest =
  | {
      principal: PolicyPrincipal;
      action: string;
      resource:
        | { type: 'Matter'; id: string; classification: string }
        | {
            type: 'Document';
            id: string;
            classification: string;
            matter: { id: string; classification: string };
          };
      context: {
        membership: string;
        isNamedForHighlySensitive: boolean;
        isScreened: boolean;
        hasRecentSecondFactor: boolean;
        matterStatus: string;
      };
    }
  | {
      principal: PolicyPrincipal;
      action: string;
      resource: { type: 'Installation'; id: string };
      context: { isInteractiveSession: boolean };
    };

/** Allowed or not, with the ids (`@id`) of the policies that decided: permits when allowed, forbids when denied. */
export type PolicyDecision = { isAllowed: boolean; reasons: readonly string[] };

export type PolicyEngine = {
  decide(request: PolicyRequest): PolicyDecision;
  /** Every policy id, for tests and the policy documentation. */
  readonly policyIds: readonly string[];
};

/** @NOTE Stored in access_screens and published in wall events: never change the prefix. */
export const generateScreenId = createPrefixedIdGenerator({ prefix: 'scr' });

/** A live ethical wall, as the compliance officer's list shows it: on one user, or on a group (`groupId`). */
export type Screen = {
  id: string;
  matterId: string;
  createdBy: string;
  createdAt: Date;
} & ({ userId: string; groupId?: undefined } | { groupId: string; userId?: undefined });
