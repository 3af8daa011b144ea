import type { AccessTables } from './access/access.tables.js';
import type { DocumentsTables } from './documents/documents.tables.js';
import type { IdentityTables } from './identity/identity.tables.js';
import type { IdentitySshKeysTables } from './identity/identity.ssh-keys.tables.js';
import type { LedgerTables } from './ledger/ledger.tables.js';
import type { VaultTables } from './vault/vault.signing-keys.tables.js';
import type { VaultSshHostKeyTables } from './vault/vault.ssh-host-key.tables.js';

/**
 * Every module's tables in one schema type: Kysely's types are invariant in the schema, so one type lets a
 * transaction pass from a use-case to the ledger without casts. Which module may query which table is
 * kept by the boundary rules (repositories are private to their module), not by this type.
 */
export type WritDatabase = IdentityTables &
  LedgerTables &
  VaultTables &
  DocumentsTables &
  AccessTables &
  IdentitySshKeysTables &
  VaultSshHostKeyTables;
