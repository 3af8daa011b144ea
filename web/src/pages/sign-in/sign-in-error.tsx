import { ApiError } from '../../api/problem';
import { ErrorAlert } from '../../components/error-alert';

/** The server's own words for a refused sign-in, and when a throttled one may try again. */
export function SignInError({ error }: { error: unknown }) {
  if (error === undefined) return null;
  const seconds = error instanceof ApiError ? error.problem.retryAfterSeconds : undefined;
  return (
    <>
      <ErrorAlert error={error} />
      {seconds !== undefined && seconds > 0 ? (
        <p className="help">You can try again in {describeWait(seconds)}.</p>
      ) : null}
    </>
  );
}

function describeWait(seconds: number): string {
  if (seconds < 90) return `${Math.ceil(seconds)} seconds`;
  return `about ${Math.ceil(seconds / 60)} minutes`;
}
