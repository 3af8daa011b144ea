import { useEffect } from 'react';
import { PageTitle } from '../../components/page-title';
import { navigate, useLocation } from '../../router';
import { useSession } from '../../session/session';
import { PasswordStep } from './password-step';
import { safeNextPath } from './safe-next';
import { SecondFactorStep } from './second-factor-step';

/**
 * Sign-in, in the steps the session asks for: a password (or a passkey alone), then a second factor when the
 * account has one; then on to `next`. A user who still has to enrol a factor is sent on too: the app shows
 * enrolment before any other page. After a sign-out, or a session that ended on its own, it says so first.
 */
export function SignInPage() {
  const { session, sessionEnd, setSession } = useSession();
  const location = useLocation();
  const next = safeNextPath(location.search.get('next'));
  const isSignedIn = session !== undefined && session !== null && !session.isSecondFactorRequired;

  useEffect(() => {
    if (isSignedIn) navigate(next, { replace: true });
  }, [isSignedIn, next]);

  if (session === undefined || isSignedIn) {
    return (
      <p className="muted" role="status">
        Signing in…
      </p>
    );
  }
  const title = session === null ? 'Sign in' : 'Confirm it is you';
  return (
    <div className="card narrow">
      <PageTitle title={title}>{title}</PageTitle>
      {session === null && sessionEnd !== undefined ? (
        <p className="alert alert-notice" role="status">
          {sessionEnd === 'signed_out' ? 'You are signed out.' : 'Your session ended. Sign in again.'}
        </p>
      ) : null}
      {session === null ? (
        <PasswordStep onSession={setSession} />
      ) : (
        <SecondFactorStep session={session} onSession={setSession} />
      )}
    </div>
  );
}
