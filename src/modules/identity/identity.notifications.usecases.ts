import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import { inTransaction } from '../../shared/db/transaction.js';
import type { IdGenerator } from '../../shared/ids/ids.js';
import type { WritDatabase } from '../database.js';
import type { Ledger } from '../ledger/ledger.usecases.js';
import { requireRecentSecondFactor } from './identity.step-up.usecases.js';
import type { IdentityDependencies, IdentitySettings } from './identity.dependencies.js';
import {
  createEmailInvalidError,
  createNotificationNotFoundError,
  createSessionRequiredError,
} from './identity.errors.js';
import type { IdentityEvent } from './identity.events.js';
import type { Principal } from './identity.models.js';
import {
  emailSealPurpose,
  generateNotificationId,
  type Notification,
  type NotificationKind,
  notificationListLimits,
  type NotificationPayloads,
  normalizeEmailAddress,
} from './identity.notifications.models.js';
import { createNotificationsRepository } from './identity.notifications.repository.js';

/** Account notices and the address they go to are not in any API token's scopes: sessions only. */
function requireSessionCaller(principal: Principal): void {
  if (principal.via !== 'session') throw createSessionRequiredError();
}

/**
 * Tells a user something about their own account. Called inside the transaction of the change it reports,
 * so that the notice exists exactly when the change does; the mail outbox sends it after commit.
 */
export async function recordNotification<K extends NotificationKind>({
  db,
  clock,
  userId,
  kind,
  payload,
  generateId = generateNotificationId,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  userId: string;
  kind: K;
  payload: NotificationPayloads[K];
  generateId?: IdGenerator;
}): Promise<{ notificationId: string }> {
  const notificationId = generateId();
  await createNotificationsRepository({ db }).insertNotification({
    id: notificationId,
    userId,
    kind,
    payload: JSON.stringify(payload),
    createdAt: clock.now(),
  });
  return { notificationId };
}

/** The caller's notifications, newest first; `before` is the id of the last one of the previous page. */
export async function listMyNotifications({
  db,
  principal,
  limit = notificationListLimits.defaultLimit,
  before,
}: {
  db: Kysely<WritDatabase>;
  principal: Principal;
  limit?: number;
  before?: string;
}): Promise<{ notifications: Notification[]; unreadCount: number; nextBefore: string | undefined }> {
  requireSessionCaller(principal);
  const repository = createNotificationsRepository({ db });
  const pageSize = Math.min(Math.max(Math.trunc(limit), 1), notificationListLimits.maxLimit);
  const position =
    before === undefined
      ? undefined
      : await repository.findOwnNotificationPosition({ id: before, userId: principal.userId });
  // Paging from someone else's notification is paging from one that does not exist.
  if (before !== undefined && position === undefined) throw createNotificationNotFoundError();
  const notifications = await repository.listNotifications({
    userId: principal.userId,
    limit: pageSize,
    before: position,
  });
  return {
    notifications,
    unreadCount: await repository.countUnread({ userId: principal.userId }),
    nextBefore: notifications.length === pageSize ? notifications.at(-1)?.id : undefined,
  };
}

/** Marks one of the caller's notifications read; anyone else's answers not-found. */
export async function markNotificationRead({
  db,
  clock,
  principal,
  notificationId,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  principal: Principal;
  notificationId: string;
}): Promise<void> {
  requireSessionCaller(principal);
  const isMarked = await createNotificationsRepository({ db }).markRead({
    id: notificationId,
    userId: principal.userId,
    at: clock.now(),
  });
  if (!isMarked) throw createNotificationNotFoundError();
}

/** Seals an address for one user's row; undefined input (no address) stays null. */
export function sealEmailAddress({
  secretBox,
  userId,
  email,
}: {
  secretBox: Pick<IdentityDependencies['secretBox'], 'seal'>;
  userId: string;
  email: string;
}): string {
  const address = normalizeEmailAddress(email);
  if (address === undefined) throw createEmailInvalidError();
  return secretBox.seal({ plaintext: Buffer.from(address, 'utf8'), purpose: emailSealPurpose(userId) });
}

/**
 * Sets (or with null, removes) where the caller's notifications are mailed. Needs a recent second factor:
 * whoever controls the address learns of lockouts and new sign-ins.
 */
export async function setMyEmail({
  db,
  clock,
  ledger,
  secretBox,
  settings,
  principal,
  email,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: Pick<Ledger<IdentityEvent>, 'append'>;
  secretBox: Pick<IdentityDependencies['secretBox'], 'seal'>;
  settings: Pick<IdentitySettings, 'stepUpMinutes'>;
  principal: Principal;
  email: string | null;
}): Promise<{ hasEmail: boolean }> {
  requireSessionCaller(principal);
  requireRecentSecondFactor({ principal, clock, settings });
  const emailSealed =
    email === null ? null : sealEmailAddress({ secretBox, userId: principal.userId, email });
  const hasEmail = emailSealed !== null;
  return inTransaction(db, async (trx) => {
    const now = clock.now();
    await createNotificationsRepository({ db: trx }).setUserEmail({
      userId: principal.userId,
      emailSealed,
      at: now,
    });
    await ledger.append({
      db: trx,
      event: {
        kind: 'identity.email_changed',
        actor: { type: 'user', id: principal.userId },
        data: { userId: principal.userId, hasEmail },
      },
    });
    await recordNotification({
      db: trx,
      clock,
      userId: principal.userId,
      kind: 'email_changed',
      payload: { hasEmail },
    });
    return { hasEmail };
  });
}
