import { PageTitle } from '../../components/page-title';

export function MattersPage() {
  return <PageTitle title="Matters">Matters</PageTitle>;
}
