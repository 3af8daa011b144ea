import type { Kysely } from 'kysely';
import type { WritDatabase } from '../../modules/database.js';
import { createSmtpMailer, type Mailer } from '../../modules/identity/identity.mailer.js';
import {
  deliverPendingNotificationMail,
  outboxPolicy,
} from '../../modules/identity/identity.notifications.outbox.usecases.js';
import type { SecretBox } from '../../modules/vault/vault.secret-box.js';
import type { Clock } from '../../shared/clock/clock.js';
import type { Logger } from '../../shared/logger/logger.js';
import type { Config } from '../config/config.js';

export type RunningJob = {
  /** Stops scheduling and resolves once the run in progress, if any, has finished. */
  stop(): Promise<void>;
};

/**
 * Mails notifications after the transactions that recorded them commit: every `intervalMs`, and at once
 * again while a full batch suggests more are waiting. Failures back off per notification (the use-case
 * keeps that state in the database, so every node shares it).
 * @NOTE Logs carry counts, notification ids and failure codes only: never an address, a subject or a text.
 */
export function startMailOutboxJob({
  db,
  clock,
  secretBox,
  mailer,
  getPublicUrl,
  logger,
  intervalMs = 10_000,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  secretBox: Pick<SecretBox, 'open'>;
  mailer: Mailer;
  /** Read at each run: with port 0 the public address is known only once the server listens. */
  getPublicUrl: () => string;
  logger: Logger;
  intervalMs?: number;
}): RunningJob {
  let isStopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  const runOnce = async (): Promise<boolean> => {
    try {
      const { sent, failures } = await deliverPendingNotificationMail({
        db,
        clock,
        secretBox,
        mailer,
        publicUrl: getPublicUrl(),
        isCancelled: () => isStopped,
      });
      if (sent > 0) logger.info({ job: 'mail-outbox', sent }, 'notification mail sent');
      if (failures.length > 0)
        logger.warn({ job: 'mail-outbox', failures }, 'notification mail failed; will retry');
      return sent + failures.length >= outboxPolicy.batchSize;
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      logger.error(
        { job: 'mail-outbox', code: typeof code === 'string' ? code : undefined },
        'mail outbox run failed',
      );
      return false;
    }
  };

  const schedule = (delayMs: number) => {
    if (isStopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      running = runOnce().then((hasMore) => {
        running = undefined;
        schedule(hasMore ? 0 : intervalMs);
      });
    }, delayMs);
  };
  schedule(0);

  return {
    async stop() {
      isStopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}

/**
 * Starts the outbox with an SMTP mailer when `WRIT_SMTP_URL` is set; without it notifications are only
 * shown in Writ and nothing is started. Stopping also closes the SMTP connections.
 */
export function startConfiguredMailOutbox({
  mail,
  smtpPassword,
  ...job
}: Omit<Parameters<typeof startMailOutboxJob>[0], 'mailer'> & {
  mail: Pick<Config['mail'], 'smtpUrl' | 'smtpUser' | 'from'>;
  smtpPassword: string | undefined;
}): RunningJob | undefined {
  if (mail.smtpUrl === undefined) return undefined;
  const mailer = createSmtpMailer({
    url: mail.smtpUrl,
    user: mail.smtpUser,
    password: smtpPassword,
    from: mail.from,
  });
  const running = startMailOutboxJob({ ...job, mailer });
  return {
    async stop() {
      await running.stop();
      mailer.close();
    },
  };
}
