import type { Kysely } from 'kysely';
import type { WritDatabase } from '../database.js';
import { requireAdmin } from '../identity/identity.admin.usecases.js';
import type { Principal } from '../identity/identity.models.js';
import {
  type ComplianceOfficerRow,
  createComplianceOfficersRepository,
} from './access.compliance-officers.repository.js';

/**
 * Who is designated compliance officer (administrators, in a session): the administration page shows it
 * beside each auditor. Reading it needs no step-up; changing it does (access.compliance.usecases.ts).
 */
export async function listComplianceOfficers({
  db,
  principal,
}: {
  db: Kysely<WritDatabase>;
  principal: Principal;
}): Promise<ComplianceOfficerRow[]> {
  requireAdmin(principal);
  return createComplianceOfficersRepository({ db }).listComplianceOfficers();
}
