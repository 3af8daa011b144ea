import { PageTitle } from '../../components/page-title';
import { useSignedIn } from '../../session/session';
import { ApiTokensSection } from './api-tokens-section';
import { AuthenticatorSection } from './authenticator-section';
import { EmailSection } from './email-section';
import { EnrolmentPage } from './enrolment-page';
import { PasskeysSection } from './passkeys-section';
import { PasswordSection } from './password-section';
import { RecoveryCodesSection } from './recovery-codes-section';
import { SessionsSection } from './sessions-section';
import { SshKeysSection } from './ssh-keys-section';

/** Everything about signing in, for the signed-in person: factors, sessions, password, keys and tokens. */
export function AccountPage() {
  const session = useSignedIn();
  // Until a required factor is set up, the API opens nothing else on this page.
  if (session.isEnrolmentRequired) return <EnrolmentPage />;
  return (
    <div className="account">
      <PageTitle title="Account and security">Account and security</PageTitle>
      <p className="muted">
        Signed in as <strong>{session.user.username}</strong> ({session.user.role.replace('_', ' ')}).
      </p>
      <AuthenticatorSection session={session} />
      <PasskeysSection />
      <RecoveryCodesSection session={session} />
      <SessionsSection />
      <PasswordSection session={session} />
      <EmailSection />
      <SshKeysSection />
      <ApiTokensSection />
    </div>
  );
}
