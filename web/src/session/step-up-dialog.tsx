import { startAuthentication, type PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser';
import { type SubmitEvent, useState } from 'react';
import type { ApiClient } from '../api/client';
import { Dialog } from '../components/dialog';
import { ErrorAlert } from '../components/error-alert';
import type { SessionState } from './session';

/**
 * Sensitive acts (reading highly sensitive content, approving access, rotating keys) need a second factor
 * proved in the last few minutes. The API says so with `identity.step_up_required`; this dialog proves it
 * again, with the authenticator app, a passkey or (when neither is at hand) a recovery code, and the request
 * is then repeated.
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
  const hasRecoveryCode = session.availableFactors.includes('recovery_code');
  const [method, setMethod] = useState<'totp' | 'recovery_code'>(hasTotp ? 'totp' : 'recovery_code');
  const showsCodeForm = method === 'totp' ? hasTotp : hasRecoveryCode;

  async function run(step: () => Promise<unknown>) {
    setBusy(true);
    setError(undefined);
    try {
      await step();
      onClose(true);
    } catch (caught) {
      setError(caught);
      setCode('');
      setBusy(false);
    }
  }

  function submitCode(event: SubmitEvent) {
    event.preventDefault();
    void run(() =>
      api.post(
        '/api/session/step-up',
        { method, code: method === 'totp' ? code.replace(/\s+/g, '') : code.trim() },
        { skipStepUp: true },
      ),
    );
  }

  function switchTo(next: 'totp' | 'recovery_code') {
    setMethod(next);
    setCode('');
    setError(undefined);
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
      {showsCodeForm ? (
        <form onSubmit={submitCode} className="form">
          {method === 'totp' ? (
            <label htmlFor="step-up-code">Code from your authenticator app</label>
          ) : (
            <label htmlFor="step-up-code">Recovery code</label>
          )}
          <input
            key={method}
            id="step-up-code"
            inputMode={method === 'totp' ? 'numeric' : 'text'}
            autoComplete={method === 'totp' ? 'one-time-code' : 'off'}
            autoCapitalize="none"
            spellCheck={false}
            pattern={method === 'totp' ? '[0-9 ]*' : undefined}
            maxLength={method === 'totp' ? 8 : 32}
            value={code}
            onChange={(event) => setCode(event.target.value)}
            required
          />
          <button type="submit" disabled={busy}>
            Confirm
          </button>
        </form>
      ) : null}
      <div className="actions step-up-alternatives">
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
      </div>
      {!hasTotp && !hasPasskey ? (
        <p>Set up an authenticator app or a passkey on your account page first.</p>
      ) : null}
      <ErrorAlert error={error} />
    </Dialog>
  );
}
