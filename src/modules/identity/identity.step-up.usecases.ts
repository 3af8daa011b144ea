import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import type { WritDatabase } from '../database.js';
import { createCredentialsRepository } from './identity.credentials.repository.js';
import type { IdentitySettings } from './identity.dependencies.js';
import { createRecentSignInRequiredError, createStepUpRequiredError } from './identity.errors.js';
import type { Principal } from './identity.models.js';
import { hasSecondFactor } from './identity.sessions.models.js';
import { createSessionsRepository } from './identity.sessions.repository.js';

/**
 * Demands a second factor proved within the last `stepUpMinutes` before a sensitive act (removing a factor,
 * new recovery codes, an export, a matter-wide revocation…). Any module's use-case calls it first thing.
 * An API token never passes: it carries no second factor.
 * @NOTE The error's `details.stepUp` tells a client how to satisfy it: POST a second factor to
 * `/api/session/step-up`, then retry the act.
 */
export function requireRecentSecondFactor({
  principal,
  clock,
  settings,
}: {
  principal: Principal;
  clock: Clock;
  settings: Pick<IdentitySettings, 'stepUpMinutes'>;
}): void {
  const provedAt = principal.secondFactorAt?.getTime();
  const isRecent =
    principal.via === 'session' &&
    provedAt !== undefined &&
    clock.now().getTime() - provedAt <= settings.stepUpMinutes * 60_000;
  if (!isRecent) {
    throw createStepUpRequiredError({
      details: {
        stepUp: {
          method: 'POST',
          url: '/api/session/step-up',
          purpose: 'step_up',
          withinMinutes: settings.stepUpMinutes,
        },
      },
    });
  }
}

/**
 * The step-up for an act that a user without any second factor may also do (registering an SSH key, which
 * signs such a user in over SFTP on its own). A user with a factor must prove it recently, as
 * `requireRecentSecondFactor` demands. A user without one (a role outside `mfaRequiredRoles`) cannot, so
 * their session must have been signed in, with the password, within the same `stepUpMinutes`: the freshest
 * proof they can give, and one a cookie stolen later does not carry.
 * @NOTE API tokens refuse factor-less users outright (`requireRecentSecondFactor`); SSH keys cannot without
 * shutting such users (clients, by default) out of SFTP, which accepts their key alone.
 */
export async function requireRecentAuthentication({
  db,
  principal,
  clock,
  settings,
}: {
  db: Kysely<WritDatabase>;
  principal: Principal;
  clock: Clock;
  settings: Pick<IdentitySettings, 'stepUpMinutes'>;
}): Promise<void> {
  const factors = await createCredentialsRepository({ db }).findFactorSummary({ userId: principal.userId });
  if (hasSecondFactor(factors) || principal.via !== 'session' || principal.sessionId === undefined) {
    requireRecentSecondFactor({ principal, clock, settings });
    return;
  }
  const found = await createSessionsRepository({ db }).findSession({
    id: principal.sessionId,
    userId: principal.userId,
  });
  const signedInAt = found?.session.createdAt.getTime();
  const isRecent =
    signedInAt !== undefined && clock.now().getTime() - signedInAt <= settings.stepUpMinutes * 60_000;
  if (!isRecent) {
    throw createRecentSignInRequiredError({ details: { withinMinutes: settings.stepUpMinutes } });
  }
}
