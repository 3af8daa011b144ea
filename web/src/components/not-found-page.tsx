import { ApiError } from '../api/problem';
import { Link } from '../router';
import { PageTitle } from './page-title';

/**
 * The page for a link that leads nowhere: an address that does not exist, a mistyped or cut-off id, or
 * something the person may not see (the API answers those alike, and so does this page).
 */
export function NotFoundPage({
  backTo = '/',
  backLabel = 'Go to the start page',
}: {
  backTo?: string;
  backLabel?: string;
}) {
  return (
    <>
      <PageTitle title="Not found">Nothing here</PageTitle>
      <p>
        This page does not exist, or you cannot see it. <Link to={backTo}>{backLabel}</Link>.
      </p>
    </>
  );
}

/**
 * Whether a failed load means the link itself leads nowhere: a 404, or an id the server's pattern refuses
 * (a link cut short when it was copied), rather than a failure worth trying again.
 */
export function isDeadLink(error: unknown): boolean {
  return (
    error instanceof ApiError &&
    (error.status === 404 || (error.status === 400 && error.code === 'http.invalid_request'))
  );
}
