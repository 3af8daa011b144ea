import { PageTitle } from '../../components/page-title';

export function AccessRequestsPage() {
  return <PageTitle title="Access requests">Access requests</PageTitle>;
}
