import { startAuthentication, type PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser';
import { type ReactNode, useState } from 'react';
import type { ApiClient, RequestOptions } from '../api/client';
import type { SessionState } from './session';

export type CodeMethod = 'totp' | 'recovery_code';

/**
 * What signing in and stepping up share: the factors the person has, which code form is on show
 * (authenticator app or recovery code), and one attempt at a time, whose failure clears the typed code.
 * The two differ in their endpoints, labels and what follows success, so those stay with each caller.
 */
export function useSecondFactor(session: SessionState) {
  const hasTotp = session.availableFactors.includes('totp');
  const hasPasskey = session.availableFactors.includes('passkey');
  const hasRecoveryCode = session.availableFactors.includes('recovery_code');
  const [method, setMethod] = useState<CodeMethod>(hasTotp ? 'totp' : 'recovery_code');
  const [code, setCode] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [isBusy, setIsBusy] = useState(false);

  /** Busy stays on after success: the caller moves on (a new session, the dialog closing). */
  async function attempt<T>(step: () => Promise<T>, onDone: (value: T) => void) {
    setIsBusy(true);
    setError(undefined);
    try {
      onDone(await step());
    } catch (caught) {
      setError(caught);
      setCode('');
      setIsBusy(false);
    }
  }

  function switchTo(next: CodeMethod) {
    setMethod(next);
    setCode('');
    setError(undefined);
  }

  return {
    hasTotp,
    hasPasskey,
    hasRecoveryCode,
    method,
    code,
    setCode,
    error,
    isBusy,
    attempt,
    switchTo,
    showsCodeForm: method === 'totp' ? hasTotp : hasRecoveryCode,
    // Authenticator apps show codes as "123 456"; recovery codes are typed with or without their dash.
    cleanedCode: method === 'totp' ? code.replace(/\s+/g, '') : code.trim(),
  };
}

/** Asks the server for a passkey challenge, lets the browser sign it, and sends the answer back. */
export async function provePasskey<T>({
  api,
  optionsPath,
  verifyPath,
  requestOptions,
}: {
  api: ApiClient;
  optionsPath: string;
  verifyPath: string;
  requestOptions?: RequestOptions;
}): Promise<T> {
  const { options } = await api.post<{ options: PublicKeyCredentialRequestOptionsJSON }>(
    optionsPath,
    undefined,
    requestOptions,
  );
  const response = await startAuthentication({ optionsJSON: options });
  return api.post<T>(verifyPath, { response }, requestOptions);
}

/** The other ways in: a passkey, or switching between the authenticator app and a recovery code. */
export function SecondFactorAlternatives({
  factor,
  onPasskey,
  className,
  children,
}: {
  factor: ReturnType<typeof useSecondFactor>;
  onPasskey: () => void;
  className: string;
  /** Buttons of the caller's own, after these. */
  children?: ReactNode;
}) {
  return (
    <div className={className}>
      {factor.hasPasskey ? (
        <button type="button" className="button-secondary" onClick={onPasskey} disabled={factor.isBusy}>
          Use a passkey
        </button>
      ) : null}
      {factor.method === 'totp' && factor.hasRecoveryCode ? (
        <button type="button" className="button-quiet" onClick={() => factor.switchTo('recovery_code')}>
          Use a recovery code instead
        </button>
      ) : null}
      {factor.method === 'recovery_code' && factor.hasTotp ? (
        <button type="button" className="button-quiet" onClick={() => factor.switchTo('totp')}>
          Use the authenticator app instead
        </button>
      ) : null}
      {children}
    </div>
  );
}
