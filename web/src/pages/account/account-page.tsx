import { PageTitle } from '../../components/page-title';

export function AccountPage() {
  return <PageTitle title="Account and security">Account and security</PageTitle>;
}
