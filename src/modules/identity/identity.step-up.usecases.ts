import type { Clock } from '../../shared/clock/clock.js';
import type { IdentitySettings } from './identity.dependencies.js';
import { createStepUpRequiredError } from './identity.errors.js';
import type { Principal } from './identity.models.js';

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
