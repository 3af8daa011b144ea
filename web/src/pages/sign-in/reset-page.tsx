import { useState } from 'react';
import { useApi } from '../../session/session';
import { LinkForm } from './link-form';
import { NewPasswordField } from './password-fields';

/** A password-reset link an administrator sent. */
export function ResetPage() {
  const api = useApi();
  const [password, setPassword] = useState('');
  return (
    <LinkForm
      title="Set a new password"
      intro="An administrator sent you this link to set a new password. Every session of your account will be signed out."
      button="Set password"
      done="Your password is set and this link no longer works. Sign in with it."
      submit={(token) => api.post('/api/password-resets/complete', { token, password })}
    >
      <NewPasswordField value={password} onChange={setPassword} />
    </LinkForm>
  );
}
