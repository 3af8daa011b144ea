import type { IdentityTables } from '../modules/identity/identity.tables.js';

/** Every module's tables; only the composition root sees them all. Modules type their repositories narrower. */
export type WritDatabase = IdentityTables;
