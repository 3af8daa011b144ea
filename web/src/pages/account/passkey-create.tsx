import { browserSupportsWebAuthn, startRegistration } from '@simplewebauthn/browser';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/browser';
import { type SubmitEvent, useState } from 'react';
import { ErrorAlert } from '../../components/error-alert';
import { useAction } from '../../components/use-action';
import { useApi } from '../../session/session';
import type { PasskeyRegistration } from './account-api';

/**
 * Registering a passkey under a name the person chooses. When the account already has a second factor the
 * server asks for a step-up first; the API client opens that dialog and repeats the request.
 */
export function PasskeyCreateForm({
  onRegistered,
  idPrefix,
}: {
  onRegistered: (registration: PasskeyRegistration) => void;
  idPrefix: string;
}) {
  const api = useApi();
  const [name, setName] = useState('');
  const { isBusy: busy, error, run } = useAction();

  async function register(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    await run(async () => {
      const { options } = await api.post<{ options: PublicKeyCredentialCreationOptionsJSON }>(
        '/api/mfa/passkeys/registration-options',
      );
      const response = await startRegistration({ optionsJSON: options });
      const registration = await api.post<PasskeyRegistration>('/api/mfa/passkeys', {
        name: name.trim(),
        response,
      });
      setName('');
      onRegistered(registration);
    });
  }

  if (!browserSupportsWebAuthn()) {
    return <p>This browser cannot create passkeys. Use an up-to-date browser, or an authenticator app.</p>;
  }
  return (
    <>
      <form className="form" onSubmit={(event) => void register(event)} aria-busy={busy}>
        <label htmlFor={`${idPrefix}-passkey-name`}>Passkey name</label>
        <input
          id={`${idPrefix}-passkey-name`}
          required
          maxLength={64}
          aria-describedby={`${idPrefix}-passkey-name-help`}
          value={name}
          onChange={(event) => setName(event.target.value)}
        />
        <p id={`${idPrefix}-passkey-name-help`} className="help">
          So you can tell your passkeys apart, for example “Work laptop” or “Blue security key”.
        </p>
        <button type="submit" disabled={busy}>
          Add a passkey
        </button>
      </form>
      <ErrorAlert error={error} />
    </>
  );
}
