import { PageTitle } from '../../components/page-title';

export function AuditPage() {
  return <PageTitle title="Ledger">Ledger</PageTitle>;
}
