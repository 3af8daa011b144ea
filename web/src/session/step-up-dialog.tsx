import { startAuthentication, type PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser';
import { type SubmitEvent, useState } from 'react';
import type { ApiClient } from '../api/client';
import { Dialog } from '../components/dialog';
import { ErrorAlert } from '../components/error-alert';
import type { SessionState } from './session';

/**
 * Sensitive acts (reading highly sensitive content, approving access, rotating keys) need a second factor
 * proved in the last few minutes. The API says so with `identity.step_up_required`; this dialog proves it
 * again, with the authenticator app or a passkey, and the request is then repeated.
 */
export function StepUpDialog({
  session,
  api,
  onClose,
}: {
  session: SessionState;
  api: ApiClient;
  onClose: (done: boolean) => void;
}) {
  const [code, setCode] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const hasTotp = session.availableFactors.includes('totp');
  const hasPasskey = session.availableFactors.includes('passkey');

  async function run(step: () => Promise<unknown>) {
    setBusy(true);
    setError(undefined);
    try {
      await step();
      onClose(true);
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  }

  function submitCode(event: SubmitEvent) {
    event.preventDefault();
    void run(() =>
      api.post('/api/session/step-up', { method: 'totp', code: code.trim() }, { skipStepUp: true }),
    );
  }

  function usePasskey() {
    void run(async () => {
      const { options } = await api.post<{ options: PublicKeyCredentialRequestOptionsJSON }>(
        '/api/session/step-up/passkey-options',
        undefined,
        { skipStepUp: true },
      );
      const response = await startAuthentication({ optionsJSON: options });
      await api.post('/api/session/step-up/passkey', { response }, { skipStepUp: true });
    });
  }

  return (
    <Dialog title="Confirm it is you" onClose={() => onClose(false)}>
      <p>This action needs a second factor proved in the last few minutes.</p>
      {hasTotp ? (
        <form onSubmit={submitCode} className="form">
          <label htmlFor="step-up-code">Code from your authenticator app</label>
          <input
            id="step-up-code"
            inputMode="numeric"
            autoComplete="one-time-code"
            pattern="[0-9 ]*"
            maxLength={8}
            value={code}
            onChange={(event) => setCode(event.target.value)}
            required
          />
          <button type="submit" disabled={busy}>
            Confirm
          </button>
        </form>
      ) : null}
      {hasPasskey ? (
        <button type="button" className="button-secondary" onClick={usePasskey} disabled={busy}>
          Use a passkey
        </button>
      ) : null}
      {!hasTotp && !hasPasskey ? (
        <p>Set up an authenticator app or a passkey on your account page first.</p>
      ) : null}
      <ErrorAlert error={error} />
    </Dialog>
  );
}
