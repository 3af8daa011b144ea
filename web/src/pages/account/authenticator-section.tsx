import { useState } from 'react';
import { ConfirmAction } from '../../components/confirm-action';
import { StatusMessage } from '../../components/status-message';
import { type SessionState, useApi, useSession } from '../../session/session';
import type { TotpConfirmation } from './account-api';
import { RecoveryCodesView } from './recovery-codes-view';
import { TotpSetup } from './totp-setup';

/** The authenticator app: set it up, or remove it (the server refuses to remove the last factor). */
export function AuthenticatorSection({ session }: { session: SessionState }) {
  const api = useApi();
  const { refresh, setSession } = useSession();
  const hasTotp = session.availableFactors.includes('totp');
  const [confirmation, setConfirmation] = useState<TotpConfirmation | undefined>(undefined);
  const [message, setMessage] = useState('');

  function confirmed(result: TotpConfirmation) {
    setMessage('Your authenticator app is set up.');
    if (result.recoveryCodes === undefined) setSession(result.session);
    else setConfirmation(result);
  }

  async function remove() {
    await api.delete('/api/mfa/totp');
    setMessage('The authenticator app was removed.');
    await refresh();
  }

  return (
    <section className="card" aria-labelledby="account-totp-title">
      <h2 id="account-totp-title">Authenticator app</h2>
      <StatusMessage message={message} />
      {confirmation?.recoveryCodes !== undefined ? (
        <RecoveryCodesView
          codes={confirmation.recoveryCodes}
          onDone={() => {
            setSession(confirmation.session);
            setConfirmation(undefined);
          }}
        />
      ) : hasTotp ? (
        <div className="actions">
          <p className="status-ok">Set up: sign-in asks for a code from the app.</p>
          <ConfirmAction
            label="Remove the authenticator app"
            title="Remove the authenticator app?"
            confirmLabel="Remove it"
            onConfirm={remove}
          >
            <p>Its codes stop working at once. Writ may first ask you to confirm it is you.</p>
          </ConfirmAction>
        </div>
      ) : (
        <>
          <p className="muted">
            Not set up. An app on your phone shows a new six-digit code every 30 seconds.
          </p>
          <TotpSetup onConfirmed={confirmed} />
        </>
      )}
    </section>
  );
}
