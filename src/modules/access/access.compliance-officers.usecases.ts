import type { Kysely } from 'kysely';
import type { WritDatabase } from '../database.js';
import { createAdminRequiredError } from '../identity/identity.errors.js';
import type { Principal } from '../identity/identity.models.js';
import {
  type ComplianceOfficerRow,
  createComplianceOfficersRepository,
} from './access.compliance-officers.repository.js';
import type { PolicyEngine } from './access.models.js';
import { authorizeInstallationAction } from './access.usecases.js';

/**
 * Who is designated compliance officer (administrators, in a session): the administration page shows it
 * beside each auditor. Reading it needs no step-up; changing it does (access.compliance.usecases.ts).
 */
export async function listComplianceOfficers({
  db,
  policy,
  principal,
}: {
  db: Kysely<WritDatabase>;
  policy: PolicyEngine;
  principal: Principal;
}): Promise<ComplianceOfficerRow[]> {
  const decision = await authorizeInstallationAction({
    db,
    policy,
    principal: { userId: principal.userId, role: principal.role, via: principal.via },
    action: 'installation.manage_accounts',
  });
  if (!decision.isAllowed) throw createAdminRequiredError();
  return createComplianceOfficersRepository({ db }).listComplianceOfficers();
}
