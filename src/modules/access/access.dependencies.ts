import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import type { WritDatabase } from '../database.js';
import type { Ledger } from '../ledger/ledger.usecases.js';
import type { SecretBox } from '../vault/vault.models.js';
import type { PolicyEngine } from './access.models.js';

/** What the access front doors hand to its use-cases (walls, compliance designation, reports). */
export type AccessModuleDependencies = {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: Pick<Ledger, 'append'>;
  policy: PolicyEngine;
  stepUpMinutes: number;
  /** Seals free text (reasons) that compliance staff write. */
  secretBox: SecretBox;
};
