import { PageTitle } from '../../components/page-title';
import { TabNav } from '../../components/tab-nav';
import { Link } from '../../router';
import { useSignedIn } from '../../session/session';
import { ComplianceOfficersSection } from './compliance-officers-section';
import { GroupsSection } from './groups-section';
import { InvitationsSection } from './invitations-section';
import { UsersSection } from './users-section';

const sections = [
  { id: 'users', label: 'Users' },
  { id: 'invitations', label: 'Invitations' },
  { id: 'groups', label: 'Groups' },
  { id: 'compliance-officers', label: 'Compliance officers' },
] as const;

/** Account administration (administrators only): users, invitations, groups, compliance officers. */
export function AdminPage({ section }: { section: string }) {
  const session = useSignedIn();
  const current = sections.find((each) => each.id === section);
  if (session.user.role !== 'admin') {
    return (
      <>
        <PageTitle title="Administration">Administration</PageTitle>
        <p>Only administrators manage accounts.</p>
      </>
    );
  }
  return (
    <>
      <PageTitle title={current === undefined ? 'Administration' : `${current.label} · Administration`}>
        Administration
      </PageTitle>
      <TabNav
        label="Administration"
        tabs={sections}
        currentId={current?.id}
        pathOf={(id) => (id === 'users' ? '/admin' : `/admin/${id}`)}
      />
      {current === undefined ? (
        <p>
          There is no such section. <Link to="/admin">Go to the users</Link>.
        </p>
      ) : current.id === 'users' ? (
        <UsersSection />
      ) : current.id === 'invitations' ? (
        <InvitationsSection />
      ) : current.id === 'groups' ? (
        <GroupsSection />
      ) : (
        <ComplianceOfficersSection />
      )}
    </>
  );
}
