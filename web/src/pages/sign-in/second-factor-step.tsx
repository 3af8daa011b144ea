import type { SubmitEvent } from 'react';
import { SecondFactorAlternatives, provePasskey, useSecondFactor } from '../../session/second-factor';
import { type SessionState, useApi, useSession } from '../../session/session';
import { SignInError } from './sign-in-error';

/** The second step of a password sign-in: the authenticator app, a recovery code or a passkey. */
export function SecondFactorStep({
  session,
  onSession,
}: {
  session: SessionState;
  onSession: (session: SessionState) => void;
}) {
  const api = useApi();
  const { signOut } = useSession();
  const factor = useSecondFactor(session);
  const { method, code, setCode, isBusy: busy } = factor;

  function submitCode(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    void factor.attempt(
      () => api.post<SessionState>('/api/session/second-factor', { method, code: factor.cleanedCode }),
      onSession,
    );
  }

  function usePasskey() {
    void factor.attempt(
      () =>
        provePasskey<SessionState>({
          api,
          optionsPath: '/api/session/passkey-options',
          verifyPath: '/api/session/passkey',
        }),
      onSession,
    );
  }

  return (
    <>
      <p>
        Signed in as <strong>{session.user.username}</strong>. Confirm it is you with your second factor.
      </p>
      {factor.showsCodeForm ? (
        <form className="form" onSubmit={submitCode} aria-busy={busy}>
          {method === 'totp' ? (
            <>
              <label htmlFor="second-factor-code">Authentication code</label>
              <input
                id="second-factor-code"
                name="code"
                inputMode="numeric"
                autoComplete="one-time-code"
                pattern="[0-9 ]*"
                maxLength={8}
                required
                aria-describedby="second-factor-help"
                value={code}
                onChange={(event) => setCode(event.target.value)}
              />
              <p id="second-factor-help" className="help">
                The six-digit code your authenticator app shows for Writ.
              </p>
            </>
          ) : (
            <>
              <label htmlFor="second-factor-recovery">Recovery code</label>
              <input
                id="second-factor-recovery"
                name="recovery-code"
                autoComplete="off"
                autoCapitalize="none"
                spellCheck={false}
                maxLength={32}
                required
                aria-describedby="second-factor-recovery-help"
                value={code}
                onChange={(event) => setCode(event.target.value)}
              />
              <p id="second-factor-recovery-help" className="help">
                One of the codes you saved when you set up your second factor. Each works once.
              </p>
            </>
          )}
          <button type="submit" disabled={busy}>
            Verify
          </button>
        </form>
      ) : null}
      <SecondFactorAlternatives
        factor={factor}
        onPasskey={usePasskey}
        className="actions sign-in-alternative"
      >
        <button type="button" className="button-quiet" onClick={() => void signOut()} disabled={busy}>
          Sign in as someone else
        </button>
      </SecondFactorAlternatives>
      <SignInError error={factor.error} />
    </>
  );
}
