import { type ReactNode, type SubmitEvent, useState } from 'react';
import { ErrorAlert } from '../../components/error-alert';
import { PageTitle } from '../../components/page-title';
import { Link } from '../../router';
import { useLinkToken } from './link-token';

/** The shared frame of the setup, invitation and reset pages: a token from the link, a form, one POST. */
export function LinkForm({
  title,
  intro,
  button,
  done,
  submit,
  children,
}: {
  title: string;
  intro: string;
  button: string;
  done: string;
  submit: (token: string) => Promise<unknown>;
  children: ReactNode;
}) {
  const token = useLinkToken();
  const [error, setError] = useState<unknown>(undefined);
  const [state, setState] = useState<'editing' | 'sending' | 'done'>('editing');

  function onSubmit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    if (token === undefined) return;
    setState('sending');
    setError(undefined);
    submit(token).then(
      () => setState('done'),
      (caught: unknown) => {
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
