import { PageTitle } from '../../components/page-title';

export function EnrolmentPage() {
  return <PageTitle title="Set up a second factor">Set up a second factor</PageTitle>;
}
