import type { ReactNode } from 'react';
import { useWaitingRequests, waitingLabel } from '../pages/matters/waiting-requests';
import { Link, useLocation } from '../router';
import { type SessionState, useSession } from '../session/session';

type NavItem = { to: string; label: string; show: (session: SessionState) => boolean };

const navItems: NavItem[] = [
  { to: '/matters', label: 'Matters', show: (session) => session.user.role !== 'admin' },
  { to: '/requests', label: 'Requests', show: (session) => session.user.role !== 'admin' },
  { to: '/admin', label: 'Administration', show: (session) => session.user.role === 'admin' },
  { to: '/compliance', label: 'Compliance', show: (session) => session.user.role === 'auditor' },
  // Proofs and the CLI that checks them are for the firm; clients and process servers get receipts elsewhere.
  {
    to: '/audit',
    label: 'Ledger',
    show: (session) => session.user.role !== 'client' && session.user.role !== 'process_server',
  },
  { to: '/account', label: 'Account', show: () => true },
];

/** Header with navigation (a skip link first, for keyboard users), then the page. */
export function AppShell({ children }: { children: ReactNode }) {
  const { session, signOut, api } = useSession();
  const { pathname } = useLocation();
  const signedIn = session !== undefined && session !== null && !session.isSecondFactorRequired;
  const waiting = useWaitingRequests(api, {
    isEnabled: signedIn && session.user.role !== 'admin' && session.user.role !== 'auditor',
    key: pathname,
  });
  const waitingCount = waiting?.length ?? 0;
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <Link to="/" className="brand">
          Writ
        </Link>
        {signedIn ? (
          <nav aria-label="Main">
            <ul>
              {navItems
                .filter((item) => item.show(session))
                .map((item) => (
                  <li key={item.to}>
                    <Link
                      to={item.to}
                      aria-current={
                        pathname === item.to || pathname.startsWith(`${item.to}/`) ? 'page' : undefined
                      }
                    >
                      {item.label}
                      {item.to === '/requests' && waitingCount > 0 ? (
                        <span className="nav-count">
                          <span aria-hidden="true">{waitingCount}</span>
                          <span className="visually-hidden">, {waitingLabel(waitingCount)}</span>
                        </span>
                      ) : null}
                    </Link>
                  </li>
                ))}
            </ul>
          </nav>
        ) : null}
        {session ? (
          <div className="user-menu">
            <span className="muted">
              Signed in as <strong>{session.user.username}</strong> ({session.user.role.replace('_', ' ')})
            </span>
            <button type="button" className="button-quiet" onClick={() => void signOut()}>
              Sign out
            </button>
          </div>
        ) : null}
      </header>
      <main id="main" className="app-main">
        {children}
      </main>
    </>
  );
}
