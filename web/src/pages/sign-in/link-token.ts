import { useCallback, useState } from 'react';

/**
 * The token of a setup, invitation or reset link travels in the URL fragment, which browsers never send
 * to a server; only the form's explicit POST consumes it, so link scanners consume nothing. It leaves the
 * address bar at once (so it is not on a shared screen or in the browser's history) and waits in the state
 * of this tab's history entry, which a reload keeps (after an error, say), until the link is used or known
 * to be dead (`forget`).
 */
export function useLinkToken(): { token: string | undefined; forget: () => void } {
  const [token] = useState(() => {
    const fromLink = new URLSearchParams(window.location.hash.slice(1)).get('token') ?? undefined;
    if (fromLink !== undefined) {
      window.history.replaceState({ linkToken: fromLink }, '', pathAndQuery());
      return fromLink;
    }
    if (window.location.hash !== '') window.history.replaceState(null, '', pathAndQuery());
    return tokenInHistoryState();
  });
  const forget = useCallback(() => window.history.replaceState(null, '', pathAndQuery()), []);
  return { token, forget };
}

function pathAndQuery(): string {
  return window.location.pathname + window.location.search;
}

function tokenInHistoryState(): string | undefined {
  const state: unknown = window.history.state;
  if (typeof state !== 'object' || state === null || !('linkToken' in state)) return undefined;
  return typeof state.linkToken === 'string' ? state.linkToken : undefined;
}
