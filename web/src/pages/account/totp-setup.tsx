import { type SubmitEvent, useState, useSyncExternalStore } from 'react';
import { ErrorAlert } from '../../components/error-alert';
import { StatusMessage } from '../../components/status-message';
import { useAction } from '../../components/use-action';
import { useApi } from '../../session/session';
import type { TotpConfirmation, TotpEnrolment } from './account-api';

/** The base32 secret of an `otpauth://` URI. */
function secretOf(otpauthUri: string): string {
  try {
    return new URL(otpauthUri).searchParams.get('secret') ?? '';
  } catch {
    return '';
  }
}

/**
 * A phone or a small touch screen: the QR code would be shown on the very device that has to scan it, so the
 * `otpauth://` link (which opens the authenticator app) comes first instead.
 */
const phoneQuery = '(max-width: 640px), (hover: none) and (pointer: coarse)';

function subscribeToPhoneQuery(onChange: () => void): () => void {
  const query = window.matchMedia(phoneQuery);
  query.addEventListener('change', onChange);
  return () => query.removeEventListener('change', onChange);
}

function useIsPhone(): boolean {
  return useSyncExternalStore(subscribeToPhoneQuery, () => window.matchMedia(phoneQuery).matches);
}

/** The secret in groups of four for typing by hand; a group never wraps across two lines. */
function GroupedSecret({ secret }: { secret: string }) {
  const groups = secret.match(/.{1,4}/g) ?? [];
  return (
    <code className="totp-secret">
      {groups.map((group, index) => (
        <span key={index}>
          {index > 0 ? ' ' : null}
          <span className="totp-secret-group">{group}</span>
        </span>
      ))}
    </code>
  );
}

/**
 * Setting up an authenticator app: a QR code on a computer, a link that opens the app on a phone, and the
 * secret (to type or copy) on both; then a code to confirm it.
 */
export function TotpSetup({ onConfirmed }: { onConfirmed: (confirmation: TotpConfirmation) => void }) {
  const api = useApi();
  const [enrolment, setEnrolment] = useState<TotpEnrolment | undefined>(undefined);
  const [code, setCode] = useState('');
  const { isBusy: busy, error, run } = useAction();
  const isPhone = useIsPhone();
  const [copyMessage, setCopyMessage] = useState('');

  async function copySecret(secret: string) {
    try {
      await navigator.clipboard.writeText(secret);
      setCopyMessage('The secret key is copied. Paste it into your authenticator app.');
    } catch {
      setCopyMessage('Copying is not allowed here: select the secret key and copy it yourself.');
    }
  }

  async function start() {
    await run(async () => setEnrolment(await api.post<TotpEnrolment>('/api/mfa/totp')));
  }

  async function confirm(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const isConfirmed = await run(async () => {
      const confirmation = await api.post<TotpConfirmation>('/api/mfa/totp/confirm', {
        code: code.replace(/\s+/g, ''),
      });
      onConfirmed(confirmation);
    });
    if (!isConfirmed) setCode('');
  }

  if (enrolment === undefined) {
    return (
      <>
        <button type="button" onClick={() => void start()} disabled={busy}>
          Set up an authenticator app
        </button>
        <ErrorAlert error={error} />
      </>
    );
  }

  const secret = secretOf(enrolment.otpauthUri);
  return (
    <div className="totp-setup">
      <ol className="steps">
        {isPhone ? (
          <li>
            <p>Add Writ to the authenticator app on this phone:</p>
            <p>
              <a className="button totp-add-link" href={enrolment.otpauthUri}>
                Add to authenticator app
              </a>
            </p>
          </li>
        ) : (
          <li>
            <p>Open your authenticator app and scan this QR code.</p>
            <img
              className="totp-qr"
              src={enrolment.qrCodeDataUrl}
              alt="QR code to add Writ to your authenticator app"
              width={200}
              height={200}
            />
          </li>
        )}
        <li>
          <p>
            {isPhone ? 'If nothing opens' : 'If you cannot scan it'}, add an account by hand with this secret
            key (time-based, 6 digits):
          </p>
          <p className="totp-secret-line">
            <GroupedSecret secret={secret} />
            <button type="button" className="button-secondary" onClick={() => void copySecret(secret)}>
              Copy secret
            </button>
          </p>
          <StatusMessage message={copyMessage} />
        </li>
        <li>
          <form className="form" onSubmit={(event) => void confirm(event)} aria-busy={busy}>
            <label htmlFor="totp-setup-code">Authentication code</label>
            <input
              id="totp-setup-code"
              inputMode="numeric"
              autoComplete="one-time-code"
              pattern="[0-9 ]*"
              maxLength={8}
              required
              aria-describedby="totp-setup-help"
              value={code}
              onChange={(event) => setCode(event.target.value)}
            />
            <p id="totp-setup-help" className="help">
              Type the six-digit code the app now shows for Writ, to prove it is set up.
            </p>
            <button type="submit" disabled={busy}>
              Confirm
            </button>
          </form>
        </li>
      </ol>
      <ErrorAlert error={error} />
    </div>
  );
}
