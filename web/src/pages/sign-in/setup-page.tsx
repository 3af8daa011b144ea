import { useState } from 'react';
import { useApi } from '../../session/session';
import { LinkForm } from './link-form';
import { NewPasswordField, UsernameField } from './password-fields';

/** The first administrator, from the one-time link `writ serve` prints. */
export function SetupPage() {
  const api = useApi();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  return (
    <LinkForm
      title="Set up Writ"
      intro="Create the first administrator. The administrator manages accounts and settings; it sees no matter's documents."
      button="Create administrator"
      done="The administrator is created and this link no longer works."
      submit={(token) => api.post('/api/setup', { token, username, password })}
      check={async () => {
        const { isSetupRequired } = await api.get<{ isSetupRequired: boolean }>('/api/setup');
        return isSetupRequired
          ? undefined
          : 'This setup link was already used: Writ already has an administrator. Sign in instead.';
      }}
    >
      <UsernameField value={username} onChange={setUsername} />
      <NewPasswordField value={password} onChange={setPassword} />
    </LinkForm>
  );
}
