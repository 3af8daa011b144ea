import { useState } from 'react';
import { useApi } from '../../session/session';
import { LinkForm } from './link-form';
import { NewPasswordField, UsernameField } from './password-fields';

/** An invitation link: the invited person chooses a username and password. */
export function InvitePage() {
  const api = useApi();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [email, setEmail] = useState('');
  return (
    <LinkForm
      title="Join Writ"
      intro="You were invited to Writ. Choose a username and a password; you will then sign in and set up a second factor."
      button="Create my account"
      done="Your account is ready and this link no longer works. Sign in to continue."
      submit={(token) =>
        api.post('/api/invitations/accept', {
          token,
          username,
          password,
          ...(email.trim() === '' ? {} : { email: email.trim() }),
        })
      }
    >
      <UsernameField value={username} onChange={setUsername} />
      <NewPasswordField value={password} onChange={setPassword} />
      <label htmlFor="email">E-mail address (optional)</label>
      <input
        id="email"
        type="email"
        autoComplete="email"
        maxLength={254}
        aria-describedby="email-help"
        value={email}
        onChange={(event) => setEmail(event.target.value)}
      />
      <p id="email-help" className="help">
        Where Writ tells you about sign-ins and changes to your account.
      </p>
    </LinkForm>
  );
}
