import type { SubmitEvent } from 'react';
import type { ApiClient } from '../api/client';
import { Dialog } from '../components/dialog';
import { ErrorAlert } from '../components/error-alert';
import { Link } from '../router';
import { SecondFactorAlternatives, provePasskey, useSecondFactor } from './second-factor';
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
  const factor = useSecondFactor(session);
  const { method, code, setCode, isBusy: busy } = factor;

  function submitCode(event: SubmitEvent) {
    event.preventDefault();
    void factor.attempt(
      () => api.post('/api/session/step-up', { method, code: factor.cleanedCode }, { skipStepUp: true }),
      () => onClose(true),
    );
  }

  function usePasskey() {
    void factor.attempt(
      () =>
        provePasskey({
          api,
          optionsPath: '/api/session/step-up/passkey-options',
          verifyPath: '/api/session/step-up/passkey',
          requestOptions: { skipStepUp: true },
        }),
      () => onClose(true),
    );
  }

  return (
    <Dialog title="Confirm it is you" onClose={() => onClose(false)}>
      <p>This action needs a second factor proved in the last few minutes.</p>
      {factor.showsCodeForm ? (
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
      <SecondFactorAlternatives
        factor={factor}
        onPasskey={usePasskey}
        className="actions step-up-alternatives"
      />
      {!factor.hasTotp && !factor.hasPasskey ? (
        <>
          <p>
            You have no second factor yet, so this cannot be confirmed. Set up an authenticator app or a
            passkey on your account page, then come back and open this again.
          </p>
          <p>
            <Link to="/account" onClick={() => onClose(false)}>
              Set up a second factor on your account page
            </Link>
          </p>
        </>
      ) : null}
      <ErrorAlert error={factor.error} />
    </Dialog>
  );
}
