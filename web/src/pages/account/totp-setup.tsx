import { type SubmitEvent, useState } from 'react';
import { ErrorAlert } from '../../components/error-alert';
import { useAction } from '../../components/use-action';
import { useApi } from '../../session/session';
import type { TotpConfirmation, TotpEnrolment } from './account-api';

/** The base32 secret of an `otpauth://` URI, in groups of four for typing by hand. */
function secretOf(otpauthUri: string): string {
  let secret: string | null = null;
  try {
    secret = new URL(otpauthUri).searchParams.get('secret');
  } catch {
    secret = null;
  }
  return (secret ?? '').replace(/(.{4})(?=.)/g, '$1 ');
}

/** Setting up an authenticator app: a QR code (and the secret, for typing), then a code to confirm it. */
export function TotpSetup({ onConfirmed }: { onConfirmed: (confirmation: TotpConfirmation) => void }) {
  const api = useApi();
  const [enrolment, setEnrolment] = useState<TotpEnrolment | undefined>(undefined);
  const [code, setCode] = useState('');
  const { isBusy: busy, error, run } = useAction();

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

  return (
    <div className="totp-setup">
      <ol className="steps">
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
        <li>
          <p>If you cannot scan it, add an account by hand with this secret key (time-based, 6 digits):</p>
          <p>
            <code className="totp-secret">{secretOf(enrolment.otpauthUri)}</code>
          </p>
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
