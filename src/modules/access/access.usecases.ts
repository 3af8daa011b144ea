import type { MatterAction, AccessDecision } from './access.models.js';

type MatterRole = 'owner' | 'editor' | 'viewer';
type PrincipalRole = 'admin' | 'lawyer' | 'assistant' | 'process_server' | 'client' | 'auditor';

/**
 * What each matter role allows. Nobody, administrator included, reaches a matter without a membership:
 * the firm's least-privilege rule (administrators run the system, they do not read the files).
 */
const allowedByRole: Record<MatterRole, ReadonlySet<MatterAction>> = {
  owner: new Set([
    'matter.view',
    'matter.manage_members',
    'matter.rotate_keys',
    'document.read',
    'document.write',
    'document.organize',
  ]),
  editor: new Set(['matter.view', 'document.read', 'document.write', 'document.organize']),
  viewer: new Set(['matter.view', 'document.read']),
};

/**
 * The policy decision point for acts inside a matter: every use-case asks here and never decides itself.
 * `memberRole` is the caller's current (unexpired) membership, undefined when there is none.
 */
export function authorizeMatterAction({
  action,
  memberRole,
}: {
  principal: { userId: string; role: PrincipalRole };
  action: MatterAction;
  memberRole: MatterRole | undefined;
}): AccessDecision {
  if (memberRole === undefined) return { isAllowed: false, reason: 'hidden' };
  return allowedByRole[memberRole].has(action)
    ? { isAllowed: true }
    : { isAllowed: false, reason: 'forbidden' };
}

/** Opening a matter is a lawyer's act: the lawyer becomes its first owner. */
export function authorizeMatterCreation({
  principal,
}: {
  principal: { userId: string; role: PrincipalRole };
}): AccessDecision {
  return principal.role === 'lawyer' ? { isAllowed: true } : { isAllowed: false, reason: 'forbidden' };
}
