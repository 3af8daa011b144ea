import { PageTitle } from '../../components/page-title';

export function CompliancePage({ section }: { section: string }) {
  return <PageTitle title="Compliance">Compliance ({section})</PageTitle>;
}
