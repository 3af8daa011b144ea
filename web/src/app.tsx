import { lazy, type ReactNode, Suspense, useEffect } from 'react';
import { PageTitle } from './components/page-title';
import { AppShell } from './layout/app-shell';
import { EnrolmentPage } from './pages/account/enrolment-page';
import { InvitePage } from './pages/sign-in/invite-page';
import { ResetPage } from './pages/sign-in/reset-page';
import { SetupPage } from './pages/sign-in/setup-page';
import { SignInPage } from './pages/sign-in/sign-in-page';
import { Link, matchPath, navigate, useLocation } from './router';
import { type SessionState, useSession } from './session/session';

/*
 * The pages behind sign-in load on first use: the first page a person sees (sign-in, or a link from an
 * e-mail) carries only what it needs.
 */
const AccountPage = lazy(() =>
  import('./pages/account/account-page').then((module) => ({ default: module.AccountPage })),
);
const AdminPage = lazy(() =>
  import('./pages/admin/admin-page').then((module) => ({ default: module.AdminPage })),
);
const AuditPage = lazy(() =>
  import('./pages/audit/audit-page').then((module) => ({ default: module.AuditPage })),
);
const CompliancePage = lazy(() =>
  import('./pages/compliance/compliance-page').then((module) => ({ default: module.CompliancePage })),
);
const DocumentPage = lazy(() =>
  import('./pages/documents/document-page').then((module) => ({ default: module.DocumentPage })),
);
const AccessRequestsPage = lazy(() =>
  import('./pages/matters/access-requests-page').then((module) => ({ default: module.AccessRequestsPage })),
);
const MatterPage = lazy(() =>
  import('./pages/matters/matter-page').then((module) => ({ default: module.MatterPage })),
);
const MattersPage = lazy(() =>
  import('./pages/matters/matters-page').then((module) => ({ default: module.MattersPage })),
);

type Route = {
  pattern: string;
  /** Public pages work without a session (and are what a link from an e-mail opens). */
  isPublic?: boolean;
  render: (params: Record<string, string>, session: SessionState | null) => ReactNode;
};

const param = (params: Record<string, string>, name: string): string => params[name] ?? '';

const routes: Route[] = [
  { pattern: '/setup', isPublic: true, render: () => <SetupPage /> },
  { pattern: '/invite', isPublic: true, render: () => <InvitePage /> },
  { pattern: '/reset', isPublic: true, render: () => <ResetPage /> },
  { pattern: '/sign-in', isPublic: true, render: () => <SignInPage /> },
  { pattern: '/', render: (_params, session) => <Home session={session} /> },
  { pattern: '/matters', render: () => <MattersPage /> },
  {
    pattern: '/matters/:matterId',
    render: (params) => (
      <MatterPage matterId={param(params, 'matterId')} tab="documents" folderId={undefined} />
    ),
  },
  {
    pattern: '/matters/:matterId/folders/:folderId',
    render: (params) => (
      <MatterPage matterId={param(params, 'matterId')} tab="documents" folderId={param(params, 'folderId')} />
    ),
  },
  {
    pattern: '/matters/:matterId/:tab',
    render: (params) => (
      <MatterPage matterId={param(params, 'matterId')} tab={param(params, 'tab')} folderId={undefined} />
    ),
  },
  {
    pattern: '/documents/:documentId',
    render: (params) => <DocumentPage documentId={param(params, 'documentId')} />,
  },
  { pattern: '/requests', render: () => <AccessRequestsPage /> },
  { pattern: '/account', render: () => <AccountPage /> },
  { pattern: '/admin', render: () => <AdminPage section="users" /> },
  { pattern: '/admin/:section', render: (params) => <AdminPage section={param(params, 'section')} /> },
  { pattern: '/compliance', render: () => <CompliancePage section="walls" /> },
  {
    pattern: '/compliance/:section',
    render: (params) => <CompliancePage section={param(params, 'section')} />,
  },
  { pattern: '/audit', render: () => <AuditPage /> },
];

function Home({ session }: { session: SessionState | null }) {
  useEffect(() => {
    navigate(session?.user.role === 'admin' ? '/admin' : '/matters', { replace: true });
  }, [session]);
  return null;
}

function NotFound() {
  return (
    <>
      <PageTitle title="Not found">Nothing here</PageTitle>
      <p>
        This page does not exist, or you cannot see it. <Link to="/">Go to the start page</Link>.
      </p>
    </>
  );
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

function resolve(pathname: string): { route: Route; params: Record<string, string> } | undefined {
  for (const route of routes) {
    const params = matchPath(route.pattern, pathname);
    if (params !== undefined) return { route, params };
  }
  return undefined;
}

export function App() {
  const { session } = useSession();
  const location = useLocation();
  const resolved = resolve(location.pathname);

  let content: ReactNode;
  if (session === undefined) {
    content = (
      <p className="muted" role="status">
        Loading…
      </p>
    );
  } else if (resolved === undefined) {
    content = <NotFound />;
  } else if (resolved.route.isPublic === true) {
    content = resolved.route.render(resolved.params, session);
  } else if (session === null || session.isSecondFactorRequired) {
    const next = location.pathname + (location.search.size > 0 ? `?${location.search.toString()}` : '');
    content = <Redirect to={`/sign-in?next=${encodeURIComponent(next)}`} />;
  } else if (session.isEnrolmentRequired && location.pathname !== '/account') {
    content = <EnrolmentPage />;
  } else {
    content = resolved.route.render(resolved.params, session);
  }
  return (
    <AppShell>
      <Suspense
        fallback={
          <p className="muted" role="status">
            Loading…
          </p>
        }
      >
        {content}
      </Suspense>
    </AppShell>
  );
}
