import { startAuthentication } from '@simplewebauthn/browser';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser';
import { type SubmitEvent, useState } from 'react';
import { type SessionState, useApi, useSession } from '../../session/session';
import { SignInError } from './sign-in-error';

type CodeMethod = 'totp' | 'recovery_code';

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
  const hasTotp = session.availableFactors.includes('totp');
  const hasPasskey = session.availableFactors.includes('passkey');
  const hasRecoveryCode = session.availableFactors.includes('recovery_code');
  const [method, setMethod] = useState<CodeMethod>(hasTotp ? 'totp' : 'recovery_code');
  const [code, setCode] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const showsCodeForm = method === 'totp' ? hasTotp : hasRecoveryCode;

  async function run(step: () => Promise<SessionState>) {
    setBusy(true);
    setError(undefined);
    try {
      onSession(await step());
    } catch (caught) {
      setError(caught);
      setCode('');
      setBusy(false);
    }
  }

  function submitCode(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    // Authenticator apps show codes as "123 456"; recovery codes are typed with or without their dash.
    const cleaned = method === 'totp' ? code.replace(/\s+/g, '') : code.trim();
    void run(() => api.post<SessionState>('/api/session/second-factor', { method, code: cleaned }));
  }

  function usePasskey() {
    void run(async () => {
      const { options } = await api.post<{ options: PublicKeyCredentialRequestOptionsJSON }>(
        '/api/session/passkey-options',
      );
      const response = await startAuthentication({ optionsJSON: options });
      return api.post<SessionState>('/api/session/passkey', { response });
    });
  }

  function switchTo(next: CodeMethod) {
    setMethod(next);
    setCode('');
    setError(undefined);
  }

  return (
    <>
      <p>
        Signed in as <strong>{session.user.username}</strong>. Confirm it is you with your second factor.
      </p>
      {showsCodeForm ? (
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
      <div className="actions sign-in-alternative">
        {hasPasskey ? (
          <button type="button" className="button-secondary" onClick={usePasskey} disabled={busy}>
            Use a passkey
          </button>
        ) : null}
        {method === 'totp' && hasRecoveryCode ? (
          <button type="button" className="button-quiet" onClick={() => switchTo('recovery_code')}>
            Use a recovery code instead
          </button>
        ) : null}
        {method === 'recovery_code' && hasTotp ? (
          <button type="button" className="button-quiet" onClick={() => switchTo('totp')}>
            Use the authenticator app instead
          </button>
        ) : null}
        <button type="button" className="button-quiet" onClick={() => void signOut()} disabled={busy}>
          Sign in as someone else
        </button>
      </div>
      <SignInError error={error} />
    </>
  );
}
