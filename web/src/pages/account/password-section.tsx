import { type SubmitEvent, useState } from 'react';
import { ErrorAlert } from '../../components/error-alert';
import { StatusMessage } from '../../components/status-message';
import { useAction } from '../../components/use-action';
import { type SessionState, useApi, useSession } from '../../session/session';
import { NewPasswordField } from '../sign-in/password-fields';

function countOf(count: number, one: string, many: string): string {
  return count === 1 ? `1 ${one}` : `${count} ${many}`;
}

/** What the change ended, so that a script that stops working with a revoked token is no surprise. */
function changedMessage({
  revokedSessionCount,
  revokedApiTokenCount,
}: {
  revokedSessionCount: number;
  revokedApiTokenCount: number;
}): string {
  const sessions =
    revokedSessionCount === 0
      ? 'You had no other sessions.'
      : `${countOf(revokedSessionCount, 'other session was', 'other sessions were')} signed out.`;
  const tokens =
    revokedApiTokenCount === 0
      ? ''
      : ` ${countOf(revokedApiTokenCount, 'API token was', 'API tokens were')} revoked: create new ones for your scripts.`;
  return `Your password is changed. ${sessions}${tokens}`;
}

/**
 * Changing the password ends every other session and gives this one a new token, and with it a new CSRF
 * token, which the answer carries.
 */
export function PasswordSection({ session }: { session: SessionState }) {
  const api = useApi();
  const { setSession } = useSession();
  const [currentPassword, setCurrentPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const { isBusy: busy, error, run } = useAction();
  const [message, setMessage] = useState('');

  async function change(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    setMessage('');
    await run(async () => {
      const { csrfToken, revokedSessionCount, revokedApiTokenCount } = await api.post<{
        csrfToken: string;
        revokedSessionCount: number;
        revokedApiTokenCount: number;
      }>('/api/password', { currentPassword, newPassword });
      setSession({ ...session, csrfToken });
      setCurrentPassword('');
      setNewPassword('');
      setMessage(changedMessage({ revokedSessionCount, revokedApiTokenCount }));
    });
  }

  return (
    <section className="card" aria-labelledby="account-password-title">
      <h2 id="account-password-title">Password</h2>
      <StatusMessage message={message} />
      <form className="form" onSubmit={(event) => void change(event)} aria-busy={busy}>
        <label htmlFor="current-password">Current password</label>
        <input
          id="current-password"
          name="current-password"
          type="password"
          autoComplete="current-password"
          required
          maxLength={1024}
          value={currentPassword}
          onChange={(event) => setCurrentPassword(event.target.value)}
        />
        <NewPasswordField value={newPassword} onChange={setNewPassword} />
        <button type="submit" disabled={busy}>
          Change password
        </button>
      </form>
      <ErrorAlert error={error} />
    </section>
  );
}
