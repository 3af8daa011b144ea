import { useEffect, useState } from 'react';
import { ApiError } from '../../api/problem';
import { ErrorAlert } from '../../components/error-alert';

/**
 * The server's own words for a refused sign-in. A throttled one (whose detail names the wait as it was
 * when refused) says once, counting down, when the person may try again.
 */
export function SignInError({ error }: { error: unknown }) {
  if (error === undefined) return null;
  const seconds = error instanceof ApiError ? error.problem.retryAfterSeconds : undefined;
  if (
    error instanceof ApiError &&
    error.code === 'identity.sign_in_throttled' &&
    seconds !== undefined &&
    seconds > 0
  )
    return <ThrottledAlert key={error.problem.detail} seconds={seconds} code={error.code} />;
  return <ErrorAlert error={error} />;
}

function ThrottledAlert({ seconds, code }: { seconds: number; code: string }) {
  const [until] = useState(() => Date.now() + seconds * 1000);
  const [left, setLeft] = useState(seconds);
  useEffect(() => {
    const timer = setInterval(() => setLeft(Math.max(0, (until - Date.now()) / 1000)), 1000);
    return () => clearInterval(timer);
  }, [until]);
  return (
    <div className="alert alert-error" role="alert">
      <p>
        Too many failed attempts.{' '}
        {left > 0 ? `You can try again in ${describeWait(left)}.` : 'You can try again now.'}
      </p>
      <p className="alert-code">Error code: {code}</p>
    </div>
  );
}

function describeWait(seconds: number): string {
  if (seconds < 90) return `${Math.ceil(seconds)} seconds`;
  return `about ${Math.ceil(seconds / 60)} minutes`;
}
