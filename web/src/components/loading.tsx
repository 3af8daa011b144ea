import type { ReactNode } from 'react';
import { ApiError } from '../api/problem';
import { Link } from '../router';
import { hasSecondFactor, useSession } from '../session/session';
import type { Loaded } from './use-load';
import { ErrorAlert } from './error-alert';

/**
 * Renders a loaded value, or a status while loading, or the error with a way to try again. A step-up that
 * cannot be proved (no second factor yet) offers the account page instead: trying again would fail again.
 */
export function LoadedView<T>({
  loaded,
  children,
}: {
  loaded: Loaded<T>;
  children: (value: T) => ReactNode;
}) {
  if (loaded.state === 'loading')
    return (
      <p className="muted" role="status">
        Loading…
      </p>
    );
  if (loaded.state === 'failed') return <LoadFailure error={loaded.error} reload={loaded.reload} />;
  return <>{children(loaded.value)}</>;
}

function LoadFailure({ error, reload }: { error: unknown; reload: () => void }) {
  const { session } = useSession();
  const isStepUpImpossible =
    error instanceof ApiError &&
    error.code === 'identity.step_up_required' &&
    session !== undefined &&
    session !== null &&
    !hasSecondFactor(session);
  if (isStepUpImpossible)
    return (
      <div>
        <p className="alert alert-error" role="alert">
          This needs a second factor, and your account has none yet. Set up an authenticator app or a passkey,
          then come back.
        </p>
        <p>
          <Link to="/account">Set up a second factor on your account page</Link>
        </p>
      </div>
    );
  return (
    <div>
      <ErrorAlert error={error} />
      <button type="button" onClick={reload}>
        Try again
      </button>
    </div>
  );
}
