import { PageTitle } from '../../components/page-title';

export function DocumentPage({ documentId }: { documentId: string }) {
  return <PageTitle title="Document">Document {documentId}</PageTitle>;
}
