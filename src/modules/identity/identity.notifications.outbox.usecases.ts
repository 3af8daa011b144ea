import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import { isWritError } from '../../shared/errors/errors.js';
import type { WritDatabase } from '../database.js';
import type { IdentityDependencies } from './identity.dependencies.js';
import type { Mailer } from './identity.mailer.js';
import { emailSealPurpose, renderNotificationMail } from './identity.notifications.models.js';
import { createOutboxRepository } from './identity.notifications.outbox.repository.js';

/**
 * How the outbox retries: each failure waits twice as long as the one before (30 s, 1 min, 2 min … at most
 * an hour), a claim lasts long enough for one send, and notifications too old or tried too often are left
 * to be read in Writ.
 */
export const outboxPolicy = {
  maxAttempts: 8,
  firstBackoffMs: 30_000,
  maxBackoffMs: 60 * 60_000,
  claimMs: 5 * 60_000,
  maxAgeMs: 2 * 24 * 60 * 60_000,
  batchSize: 20,
} as const;

export function outboxBackoffMs(attempt: number): number {
  return Math.min(outboxPolicy.firstBackoffMs * 2 ** Math.max(attempt - 1, 0), outboxPolicy.maxBackoffMs);
}

/** Why one mail failed, for operator logs: a code, never the address, the message or the server's reply. */
export type OutboxFailure = { notificationId: string; reason: string };

function describeFailure(error: unknown): string {
  if (isWritError(error)) return error.code;
  const { code, responseCode } = (error ?? {}) as { code?: unknown; responseCode?: unknown };
  if (typeof code === 'string' && /^[A-Z_]{1,32}$/.test(code)) {
    return typeof responseCode === 'number' ? `${code} ${responseCode}` : code;
  }
  return 'unknown';
}

/**
 * Mails the notifications that are due, one claim at a time, so that several nodes can run this together
 * without sending a message twice. Runs after the transactions that recorded them have committed.
 */
export async function deliverPendingNotificationMail({
  db,
  clock,
  secretBox,
  mailer,
  publicUrl,
  batchSize = outboxPolicy.batchSize,
  isCancelled = () => false,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  secretBox: Pick<IdentityDependencies['secretBox'], 'open'>;
  mailer: Mailer;
  publicUrl: string;
  batchSize?: number;
  /** Checked before each message: a stopping server finishes the message in flight, not the batch. */
  isCancelled?: () => boolean;
}): Promise<{ sent: number; failures: OutboxFailure[] }> {
  const repository = createOutboxRepository({ db });
  const listedAt = clock.now();
  const due = await repository.listMailableNotificationsAcrossUsers({
    now: listedAt,
    since: new Date(listedAt.getTime() - outboxPolicy.maxAgeMs),
    maxAttempts: outboxPolicy.maxAttempts,
    limit: batchSize,
  });
  let sent = 0;
  const failures: OutboxFailure[] = [];
  for (const notification of due) {
    if (isCancelled()) break;
    const now = clock.now();
    const isClaimed = await repository.claimMail({
      id: notification.id,
      attempts: notification.mail_attempts,
      now,
      leaseUntil: new Date(now.getTime() + outboxPolicy.claimMs),
    });
    if (!isClaimed || notification.email_sealed === null) continue;
    try {
      const to = secretBox
        .open({ sealed: notification.email_sealed, purpose: emailSealPurpose(notification.user_id) })
        .toString('utf8');
      const payload: unknown = JSON.parse(notification.payload);
      const mail = renderNotificationMail({
        kind: notification.kind,
        payload: typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : {},
        publicUrl,
      });
      await mailer.send({ to, ...mail });
      await repository.markMailed({ id: notification.id, at: clock.now() });
      sent += 1;
    } catch (error) {
      const attempt = notification.mail_attempts + 1;
      await repository.deferMail({
        id: notification.id,
        until: new Date(clock.now().getTime() + outboxBackoffMs(attempt)),
      });
      failures.push({ notificationId: notification.id, reason: describeFailure(error) });
    }
  }
  return { sent, failures };
}
