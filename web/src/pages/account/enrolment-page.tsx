import { useState } from 'react';
import { PageTitle } from '../../components/page-title';
import { type SessionState, useSession } from '../../session/session';
import { PasskeyCreateForm } from './passkey-create';
import { RecoveryCodesView } from './recovery-codes-view';
import { TotpSetup } from './totp-setup';

/**
 * Shown instead of any page while the person's role requires a second factor they have not set up. The
 * new session (no longer waiting for enrolment) is kept back until the recovery codes were seen: storing it
 * lets the app leave this page.
 */
export function EnrolmentPage() {
  const { setSession } = useSession();
  const [enrolled, setEnrolled] = useState<{ recoveryCodes?: string[]; session: SessionState }>();

  function finish(result: { recoveryCodes?: string[]; session: SessionState }) {
    if (result.recoveryCodes === undefined || result.recoveryCodes.length === 0) setSession(result.session);
    else setEnrolled(result);
  }

  if (enrolled?.recoveryCodes !== undefined) {
    const { session } = enrolled;
    return (
      <div className="card narrow enrolment">
        <PageTitle title="Save your recovery codes">Your second factor is set up</PageTitle>
        <RecoveryCodesView codes={enrolled.recoveryCodes} onDone={() => setSession(session)} />
      </div>
    );
  }

  return (
    <div className="enrolment">
      <PageTitle title="Set up a second factor">Set up a second factor</PageTitle>
      <p>
        Your account needs a second factor besides your password before you can use Writ. Choose one; you can
        add the other later on your account page.
      </p>
      <section className="card" aria-labelledby="enrol-totp-title">
        <h2 id="enrol-totp-title">Authenticator app</h2>
        <p className="muted">
          An app on your phone (for example FreeOTP, Aegis, Google or Microsoft Authenticator) shows a new
          six-digit code every 30 seconds.
        </p>
        <TotpSetup onConfirmed={finish} />
      </section>
      <section className="card" aria-labelledby="enrol-passkey-title">
        <h2 id="enrol-passkey-title">Passkey</h2>
        <p className="muted">
          Your device’s fingerprint or face unlock, its screen lock, or a security key: nothing to type.
        </p>
        <PasskeyCreateForm idPrefix="enrol" onRegistered={finish} />
      </section>
    </div>
  );
}
