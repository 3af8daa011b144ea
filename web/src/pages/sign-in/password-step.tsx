import { browserSupportsWebAuthn, startAuthentication } from '@simplewebauthn/browser';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser';
import { type SubmitEvent, useState } from 'react';
import { type SessionState, useApi } from '../../session/session';
import { SignInError } from './sign-in-error';

/** The first step: a username and password, or a passkey that stands for both factors. */
export function PasswordStep({ onSession }: { onSession: (session: SessionState) => void }) {
  const api = useApi();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const canUsePasskey = browserSupportsWebAuthn();

  async function run(step: () => Promise<SessionState>) {
    setBusy(true);
    setError(undefined);
    try {
      onSession(await step());
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  }

  function submitPassword(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    void run(async () => {
      try {
        return await api.post<SessionState>('/api/session', { username: username.trim(), password });
      } catch (caught) {
        setPassword('');
        throw caught;
      }
    });
  }

  function signInWithPasskey() {
    void run(async () => {
      const { options } = await api.post<{ options: PublicKeyCredentialRequestOptionsJSON }>(
        '/api/passkey-sign-in/options',
      );
      const response = await startAuthentication({ optionsJSON: options });
      return api.post<SessionState>('/api/passkey-sign-in', { response });
    });
  }

  return (
    <>
      <form className="form" onSubmit={submitPassword} aria-busy={busy}>
        <label htmlFor="sign-in-username">Username</label>
        <input
          id="sign-in-username"
          name="username"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          required
          maxLength={128}
          value={username}
          onChange={(event) => setUsername(event.target.value)}
        />
        <label htmlFor="sign-in-password">Password</label>
        <input
          id="sign-in-password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          maxLength={1024}
          value={password}
          onChange={(event) => setPassword(event.target.value)}
        />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
      {canUsePasskey ? (
        <div className="sign-in-alternative">
          <p className="muted">Or, if you have set up a passkey on this device or a security key:</p>
          <button type="button" className="button-secondary" onClick={signInWithPasskey} disabled={busy}>
            Sign in with a passkey
          </button>
        </div>
      ) : null}
      <SignInError error={error} />
    </>
  );
}
