import { useState } from 'react';
import { ConfirmAction } from '../../components/confirm-action';
import { type SessionState, useApi, useSession } from '../../session/session';
import { RecoveryCodesView } from './recovery-codes-view';

/** A new set of recovery codes, which replaces the old one; shown once. */
export function RecoveryCodesSection({ session }: { session: SessionState }) {
  const api = useApi();
  const { refresh } = useSession();
  const [codes, setCodes] = useState<string[] | undefined>(undefined);
  const hasFactor = session.availableFactors.some((factor) => factor === 'totp' || factor === 'passkey');
  const hasCodesLeft = session.availableFactors.includes('recovery_code');

  async function generate() {
    const result = await api.post<{ recoveryCodes: string[] }>('/api/mfa/recovery-codes');
    setCodes(result.recoveryCodes);
  }

  return (
    <section className="card" aria-labelledby="account-recovery-title">
      <h2 id="account-recovery-title">Recovery codes</h2>
      {codes !== undefined ? (
        <RecoveryCodesView
          codes={codes}
          doneLabel="Done"
          onDone={() => {
            setCodes(undefined);
            void refresh();
          }}
        />
      ) : !hasFactor ? (
        <p>Recovery codes come with your first authenticator app or passkey.</p>
      ) : (
        <>
          <p>
            {hasCodesLeft
              ? 'You have unused recovery codes. Make a new set if you lost them or used most of them.'
              : 'You have no unused recovery codes left. Make a new set now.'}
          </p>
          <ConfirmAction
            label="Generate new recovery codes"
            className="button-secondary"
            title="Replace your recovery codes?"
            confirmLabel="Generate new codes"
            onConfirm={generate}
          >
            <p>Your current codes stop working at once. Writ may first ask you to confirm it is you.</p>
          </ConfirmAction>
        </>
      )}
    </section>
  );
}
