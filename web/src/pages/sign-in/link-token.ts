import { useState } from 'react';

/**
 * The token of a setup, invitation or reset link travels in the URL fragment, which browsers never send
 * to a server. It is read once and removed from the address bar at once (so it is not left in history or
 * on a shared screen); only the form's explicit POST consumes it, so link scanners consume nothing.
 */
export function useLinkToken(): string | undefined {
  const [token] = useState(() => {
    const value = new URLSearchParams(window.location.hash.slice(1)).get('token') ?? undefined;
    if (window.location.hash !== '') window.history.replaceState(null, '', window.location.pathname);
    return value;
  });
  return token;
}
