import type { Kysely } from 'kysely';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { WritDatabase } from '../../modules/database.js';

/**
 * What an operator alerts on besides request latency: the ledger's integrity check, the sequencer falling
 * behind or failing, and the certificate running out. Each was, before, only a log line while `/readyz`
 * said ready.
 */
export type OperationsMetrics = {
  /** The periodic ledger verification finished: `verified`, `failed` (tampering or corruption), or `error` (could not run). */
  recordLedgerVerification(outcome: 'verified' | 'failed' | 'error', at: Date): void;
  recordSequencingFailure(): void;
  setCertificateExpiry(validTo: Date | undefined): void;
};

export function createOperationsMetrics({
  registry,
  db,
}: {
  registry: Registry;
  db: Kysely<WritDatabase>;
}): OperationsMetrics {
  const verified = new Gauge({
    name: 'writ_ledger_verification_ok',
    help: '1 when the last ledger verification passed, 0 when it found a mismatch or could not run; alert on 0',
    registers: [registry],
  });
  const verifiedAt = new Gauge({
    name: 'writ_ledger_verification_timestamp_seconds',
    help: 'When the last ledger verification finished (Unix time)',
    registers: [registry],
  });
  const sequencingFailures = new Counter({
    name: 'writ_ledger_sequencing_failures_total',
    help: 'Ledger sequencing runs that failed (retried); alert on a steady rate',
    registers: [registry],
  });
  new Gauge({
    name: 'writ_ledger_pending_entries',
    help: 'Ledger entries recorded but not yet sequenced into the log; alert when it keeps growing',
    registers: [registry],
    // Read at scrape time: the table is indexed and small unless sequencing is stuck.
    async collect() {
      try {
        const row = await db
          .selectFrom('ledger_pending_entries')
          .select((eb) => eb.fn.countAll<number | string>().as('count'))
          .executeTakeFirstOrThrow();
        this.set(Number(row.count));
      } catch {
        this.reset();
      }
    },
  });
  const certificateExpiry = new Gauge({
    name: 'writ_tls_certificate_expiry_timestamp_seconds',
    help: 'When the served TLS certificate expires (Unix time); absent behind a TLS-terminating proxy',
    registers: [registry],
  });
  return {
    recordLedgerVerification(outcome, at) {
      verified.set(outcome === 'verified' ? 1 : 0);
      verifiedAt.set(at.getTime() / 1000);
    },
    recordSequencingFailure() {
      sequencingFailures.inc();
    },
    setCertificateExpiry(validTo) {
      if (validTo === undefined) certificateExpiry.reset();
      else certificateExpiry.set(validTo.getTime() / 1000);
    },
  };
}
