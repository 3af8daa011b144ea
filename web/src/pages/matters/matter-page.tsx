import { PageTitle } from '../../components/page-title';

/** A matter: its documents (folder view), members, access requests, parties and settings, by `tab`. */
export function MatterPage({ matterId }: { matterId: string; tab: string; folderId: string | undefined }) {
  return <PageTitle title="Matter">Matter {matterId}</PageTitle>;
}
