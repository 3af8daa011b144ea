import { PageTitle } from '../../components/page-title';
import { TabNav } from '../../components/tab-nav';
import { Link, useLocation } from '../../router';
import { useSignedIn } from '../../session/session';
import { AccessReportSection } from './access-report-section';
import { WallsSection } from './walls-section';

const sections = [
  { id: 'walls', label: 'Ethical walls' },
  { id: 'access-reports', label: 'Access reports' },
] as const;

/** Compliance (auditors; walls need the compliance-officer designation): walls and access reports. */
export function CompliancePage({ section }: { section: string }) {
  const session = useSignedIn();
  const { search } = useLocation();
  const matterId = search.get('matter') ?? undefined;
  const current = sections.find((each) => each.id === section);
  if (session.user.role !== 'auditor') {
    return (
      <>
        <PageTitle title="Compliance">Compliance</PageTitle>
        <p>Compliance tools are for auditors.</p>
      </>
    );
  }
  const query = matterId === undefined ? '' : `?matter=${encodeURIComponent(matterId)}`;
  return (
    <>
      <PageTitle title={current === undefined ? 'Compliance' : `${current.label} · Compliance`}>
        Compliance
      </PageTitle>
      <TabNav
        label="Compliance"
        tabs={sections}
        currentId={current?.id}
        pathOf={(id) => `/compliance/${id}${query}`}
      />
      {current === undefined ? (
        <p>
          There is no such section. <Link to="/compliance">Go to the ethical walls</Link>.
        </p>
      ) : current.id === 'walls' ? (
        <WallsSection matterId={matterId} />
      ) : (
        <AccessReportSection matterId={matterId} />
      )}
    </>
  );
}
