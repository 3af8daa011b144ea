import { type ReactNode, type SubmitEvent, useEffect, useState } from 'react';
import { ApiError, describeError } from '../../api/problem';
import { ErrorAlert } from '../../components/error-alert';
import { PageTitle } from '../../components/page-title';
import { Link } from '../../router';
import { useLinkToken } from './link-token';

/** The answers that mean the link itself is used, withdrawn, replaced or expired: no form can help then. */
const deadLinkCodes = new Set([
  'identity.setup_link_invalid',
  'identity.setup_link_expired',
  'identity.setup_already_completed',
  'identity.invitation_invalid',
  'identity.invitation_expired',
  'identity.reset_link_invalid',
  'identity.reset_link_expired',
]);

/**
 * The shared frame of the setup, invitation and reset pages: a token from the link, a form, one POST.
 * `check`, when the API can tell without using the link, says before the form is shown that the link is
 * dead (its words), or undefined when it may still work.
 */
export function LinkForm({
  title,
  intro,
  button,
  done,
  submit,
  check,
  children,
}: {
  title: string;
  intro: string;
  button: string;
  done: string;
  submit: (token: string) => Promise<unknown>;
  check?: () => Promise<string | undefined>;
  children: ReactNode;
}) {
  const { token, forget } = useLinkToken();
  const [error, setError] = useState<unknown>(undefined);
  const [state, setState] = useState<'checking' | 'editing' | 'sending' | 'done' | 'dead'>(
    check === undefined ? 'editing' : 'checking',
  );
  const [deadReason, setDeadReason] = useState('');
  // The check runs once, when the page opens (callers pass a new function on every render).
  const [initialCheck] = useState(() => check);

  useEffect(() => {
    if (initialCheck === undefined || token === undefined) return;
    let isCurrent = true;
    initialCheck().then(
      (reason) => {
        if (!isCurrent) return;
        if (reason === undefined) setState('editing');
        else {
          forget();
          setDeadReason(reason);
          setState('dead');
        }
      },
      // The check only spares a wasted form: when it fails, the form's own POST still has the last word.
      () => {
        if (isCurrent) setState('editing');
      },
    );
    return () => {
      isCurrent = false;
    };
  }, [initialCheck, token, forget]);

  function onSubmit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    if (token === undefined) return;
    setState('sending');
    setError(undefined);
    submit(token).then(
      () => {
        forget();
        setState('done');
      },
      (caught: unknown) => {
        if (caught instanceof ApiError && deadLinkCodes.has(caught.code)) {
          forget();
          setDeadReason(describeError(caught));
          setState('dead');
          return;
        }
        setError(caught);
        setState('editing');
      },
    );
  }

  return (
    <div className="card narrow">
      <PageTitle title={title}>{title}</PageTitle>
      {token === undefined ? (
        <p role="alert">
          This page needs the link you were sent. Open that link exactly as it was given to you.
        </p>
      ) : state === 'checking' ? (
        <p className="muted" role="status">
          Checking the link…
        </p>
      ) : state === 'dead' ? (
        <div className="alert alert-error" role="alert">
          <p>{deadReason}</p>
          <p>
            <Link to="/sign-in">Go to sign-in</Link>
          </p>
        </div>
      ) : state === 'done' ? (
        <div className="alert alert-success" role="status">
          <p>{done}</p>
          <p>
            <Link to="/sign-in">Sign in</Link>
          </p>
        </div>
      ) : (
        <>
          <p>{intro}</p>
          <form className="form" onSubmit={onSubmit}>
            {children}
            <button type="submit" disabled={state === 'sending'}>
              {button}
            </button>
          </form>
          <ErrorAlert error={error} />
        </>
      )}
    </div>
  );
}
