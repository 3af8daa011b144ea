import { type MouseEvent, useState } from 'react';
import { segment } from '../../api/client';
import { ClassificationBadge } from '../../components/classification-badge';
import { ErrorAlert } from '../../components/error-alert';
import { LoadedView } from '../../components/loading';
import { isDeadLink, NotFoundPage } from '../../components/not-found-page';
import { PageTitle } from '../../components/page-title';
import { StatusMessage } from '../../components/status-message';
import { useLoad } from '../../components/use-load';
import { Link, navigate } from '../../router';
import { useApi, useSignedIn } from '../../session/session';
import { namesOnMatter } from '../matters/matters-api';
import { DocumentHistory } from '../audit/document-history';
import { type DocumentAction, DocumentActionDialog } from './document-dialogs';
import { DocumentIntegrity, useContentProbe } from './document-integrity';
import {
  contentUrl,
  documentPath,
  type DocumentWithVersions,
  type FolderListing,
  folderPageUrl,
  folderPath,
  inlineImageTypes,
  isPdf,
  type MatterSummary,
  matterPath,
  type Version,
} from './documents-api';
import { formatBytes, formatDate } from './format';
import { VersionUpload } from './version-upload';

export function DocumentPage({ documentId }: { documentId: string }) {
  const api = useApi();
  const loaded = useLoad(
    (signal) => api.get<DocumentWithVersions>(documentPath(documentId), { signal }),
    [documentId],
  );
  // A missing, hidden or cut-short document link answers like any other link that leads nowhere.
  if (loaded.state === 'failed' && isDeadLink(loaded.error))
    return <NotFoundPage backTo="/matters" backLabel="Go to your matters" />;
  return (
    <>
      {loaded.state === 'failed' ? <PageTitle title="Document">Document</PageTitle> : null}
      <LoadedView loaded={loaded}>
        {(value) => <DocumentDetails value={value} reload={loaded.reload} />}
      </LoadedView>
    </>
  );
}

function DocumentDetails({ value, reload }: { value: DocumentWithVersions; reload: () => void }) {
  const { document, versions } = value;
  const [action, setAction] = useState<DocumentAction>();
  const [message, setMessage] = useState('');
  const current = versions.find((version) => version.version === document.currentVersion) ?? versions[0];
  const probe = useContentProbe(document);

  return (
    <>
      <PageTitle title={document.name}>{document.name}</PageTitle>
      <FolderTrail matterId={document.matterId} folderId={document.folderId} />
      <p>
        <ClassificationBadge
          classification={document.classification}
          inherited={document.classificationIsInherited}
        />{' '}
        <span className="muted">
          {formatBytes(document.size)} · version {document.currentVersion} · modified{' '}
          {formatDate(document.updatedAt)}
        </span>
      </p>
      <StatusMessage message={message} />
      <ErrorAlert error={probe.error} />
      <div className="actions">
        <a
          className="button"
          href={contentUrl(document.id)}
          download={document.name}
          onClick={(event) => probe.guardLink(event)}
        >
          Download
        </a>
        <button type="button" className="button-secondary" onClick={() => setAction('rename')}>
          Rename
        </button>
        <button type="button" className="button-secondary" onClick={() => setAction('move')}>
          Move
        </button>
        <button type="button" className="button-danger" onClick={() => setAction('trash')}>
          Move to trash
        </button>
      </div>
      {current !== undefined ? (
        <DocumentIntegrity document={document} current={current} probe={probe} />
      ) : null}
      {current !== undefined ? <Preview document={document} current={current} probe={probe} /> : null}
      <VersionList document={document} versions={versions} probe={probe} />
      <VersionUpload
        documentId={document.id}
        onUploaded={(version) => {
          setMessage(`Version ${version} uploaded.`);
          reload();
        }}
      />
      <section aria-labelledby="history-heading">
        <h2 id="history-heading">History</h2>
        <DocumentHistory documentId={document.id} matterId={document.matterId} />
      </section>
      {action !== undefined ? (
        <DocumentActionDialog
          action={action}
          document={document}
          onClose={() => setAction(undefined)}
          onDone={(text) => {
            setAction(undefined);
            if (action === 'trash') {
              navigate(`/matters/${segment(document.matterId)}`);
              return;
            }
            setMessage(text);
            reload();
          }}
        />
      ) : null}
    </>
  );
}

/**
 * The matter, then the folder path, as links; the folder's listing is the only API that names a folder's
 * ancestors. The top folder is the matter's own page, so the matter's name stands for it.
 */
function FolderTrail({ matterId, folderId }: { matterId: string; folderId: string }) {
  const api = useApi();
  const listing = useLoad(
    async (signal) => {
      const [matter, folders] = await Promise.all([
        api.get<MatterSummary>(matterPath(matterId), { signal }),
        api.get<FolderListing>(folderPath(matterId, folderId), { signal }),
      ]);
      return { matter, folders };
    },
    [matterId, folderId],
  );
  if (listing.state !== 'ready') return null;
  const { matter, folders } = listing.value;
  const { path, folder } = folders;
  const trail = (path.some((step) => step.id === folder.id) ? path : [...path, folder]).filter(
    (step) => step.parentId !== undefined,
  );
  return (
    <nav aria-label="Folder">
      <ol className="breadcrumbs breadcrumbs-matter">
        <li>
          <Link to={folderPageUrl(matterId, { id: matter.rootFolderId })}>{matter.name}</Link>
        </li>
        {trail.map((step) => (
          <li key={step.id}>
            <Link to={folderPageUrl(matterId, step)}>{step.name}</Link>
          </li>
        ))}
      </ol>
    </nav>
  );
}

type Probe = ReturnType<typeof useContentProbe>;

/**
 * Images show inline from the content URL itself (same origin, `no-store`, under a sandbox CSP), so no
 * decrypted copy stays in memory as a blob. PDFs open in their own tab: every response carries
 * X-Frame-Options: DENY, which rightly forbids framing them here.
 */
function Preview({
  document,
  current,
  probe,
}: {
  document: DocumentWithVersions['document'];
  current: Version;
  probe: Probe;
}) {
  const isImage = inlineImageTypes.has(current.mediaType);
  if (!isImage && !isPdf(current.mediaType)) return null;
  const url = contentUrl(document.id, { version: current.version, inline: true });
  return (
    <section aria-labelledby="preview-heading">
      <h2 id="preview-heading">Preview</h2>
      {!probe.isCleared ? (
        <button type="button" className="button-secondary" onClick={() => void probe.clear()}>
          Show preview
        </button>
      ) : isImage ? (
        <img
          className="document-preview"
          src={url}
          alt={`Preview of ${document.name}`}
          onError={() => probe.expireClearance()}
        />
      ) : (
        <a href={url} target="_blank" rel="noopener noreferrer">
          Open the PDF in a new tab
        </a>
      )}
    </section>
  );
}

function VersionList({
  document,
  versions,
  probe,
}: {
  document: DocumentWithVersions['document'];
  versions: Version[];
  probe: Probe;
}) {
  const api = useApi();
  const session = useSignedIn();
  const uploaderIds = [...new Set(versions.map((version) => version.uploadedBy))].sort();
  const names = useLoad(
    (signal) =>
      namesOnMatter({
        api,
        matterId: document.matterId,
        userIds: uploaderIds,
        accountRole: session.user.role,
        signal,
      }),
    [document.matterId, uploaderIds.join(' ')],
  );
  const uploaderOf = (userId: string) =>
    userId === session.user.id
      ? 'You'
      : names.state === 'ready'
        ? (names.value.get(userId) ?? 'Someone no longer on the matter')
        : '…';
  return (
    <section aria-labelledby="versions-heading">
      <h2 id="versions-heading">Versions</h2>
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">Versions of {document.name}, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Size</th>
              <th scope="col" className="hide-on-phone">
                Uploaded
              </th>
              <th scope="col">Uploaded by</th>
              <th scope="col" className="hide-on-phone">
                SHA-256
              </th>
              <th scope="col">
                <span className="visually-hidden">Download</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {versions.map((version) => (
              <tr key={version.id}>
                <td>{version.version}</td>
                <td className="nowrap">{formatBytes(version.size)}</td>
                <td className="hide-on-phone">{formatDate(version.createdAt)}</td>
                <td>{uploaderOf(version.uploadedBy)}</td>
                <td className="hide-on-phone mono">{version.sha256}</td>
                <td>
                  <a
                    href={contentUrl(document.id, { version: version.version })}
                    download={document.name}
                    aria-label={`Download version ${version.version}`}
                    onClick={(event: MouseEvent<HTMLAnchorElement>) => probe.guardLink(event)}
                  >
                    Download
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
