import { PageTitle } from '../../components/page-title';

export function AdminPage({ section }: { section: string }) {
  return <PageTitle title="Administration">Administration ({section})</PageTitle>;
}
