import { type SubmitEvent, useState } from 'react';
import { ConfirmAction } from '../../components/confirm-action';
import { ErrorAlert } from '../../components/error-alert';
import { StatusMessage } from '../../components/status-message';
import { useAction } from '../../components/use-action';
import { useApi } from '../../session/session';

/**
 * The address Writ mails notices to. The API answers only whether one is set (`hasEmail`), so the page
 * never shows the stored address; it replaces or removes it.
 */
export function EmailSection() {
  const api = useApi();
  const [email, setEmail] = useState('');
  const { isBusy: busy, error, run } = useAction();
  const [message, setMessage] = useState('');

  async function save(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    setMessage('');
    await run(async () => {
      await api.put<{ hasEmail: boolean }>('/api/me/email', { email: email.trim() });
      setEmail('');
      setMessage('Writ will send notices about your account to the new address.');
    });
  }

  async function remove() {
    await api.put<{ hasEmail: boolean }>('/api/me/email', { email: null });
    setMessage('The e-mail address is removed. Notices stay in Writ only.');
  }

  return (
    <section className="card" aria-labelledby="account-email-title">
      <h2 id="account-email-title">E-mail address</h2>
      <p className="muted">
        Where Writ tells you about sign-ins from new devices, locked accounts and changes to your account.
      </p>
      <StatusMessage message={message} />
      <form className="form" onSubmit={(event) => void save(event)} aria-busy={busy}>
        <label htmlFor="account-email">New e-mail address</label>
        <input
          id="account-email"
          type="email"
          autoComplete="email"
          required
          maxLength={254}
          value={email}
          onChange={(event) => setEmail(event.target.value)}
        />
        <button type="submit" disabled={busy}>
          Save address
        </button>
      </form>
      <ErrorAlert error={error} />
      <div className="actions section-footer">
        <ConfirmAction
          label="Remove my e-mail address"
          className="button-quiet"
          title="Remove your e-mail address?"
          confirmLabel="Remove address"
          onConfirm={remove}
        >
          <p>Writ will stop mailing you; notices stay visible when you sign in.</p>
        </ConfirmAction>
      </div>
    </section>
  );
}
