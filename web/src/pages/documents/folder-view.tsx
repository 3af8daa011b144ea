import { type SubmitEvent, useDeferredValue, useId, useMemo, useState } from 'react';
import { ClassificationBadge } from '../../components/classification-badge';
import { ErrorAlert } from '../../components/error-alert';
import { LoadedView } from '../../components/loading';
import { StatusMessage } from '../../components/status-message';
import { useAction } from '../../components/use-action';
import { useLoad } from '../../components/use-load';
import { Link } from '../../router';
import { useApi, useSignedIn } from '../../session/session';
import { type DocumentAction, DocumentActionDialog } from './document-dialogs';
import { DocumentTable } from './document-table';
import {
  type DocumentSummary,
  type Folder,
  type FolderListing,
  folderPageUrl,
  folderPath,
  type MatterSummary,
  matterPath,
} from './documents-api';
import { type FolderAction, FolderActionDialog } from './folder-dialogs';
import { TrashView } from './trash-view';
import { UploadList, UploadQueue, type UploadQueueState, useUploadQueue } from './upload-queue';

/**
 * The documents of one folder of a matter, with upload; rendered by the matter page's Documents tab.
 * `canEdit` (owners and editors) decides whether upload, folder and document changes are offered at all;
 * the server refuses them to anyone else either way.
 */
export function FolderView({
  matterId,
  folderId,
  canEdit,
}: {
  matterId: string;
  folderId: string | undefined;
  canEdit: boolean;
}) {
  const api = useApi();
  const [isTrashShown, setIsTrashShown] = useState(false);
  // The root folder's id comes from the matter, so /matters/:matterId needs no folder in its URL.
  const listing = useLoad(
    async (signal) => {
      const id = folderId ?? (await api.get<MatterSummary>(matterPath(matterId), { signal })).rootFolderId;
      return api.get<FolderListing>(folderPath(matterId, id), { signal });
    },
    [matterId, folderId],
  );
  // Held here, above the trash and the listing, so that showing either does not end running uploads.
  const queue = useUploadQueue({ matterId, onUploaded: listing.reload });

  return (
    <div className="folder-view">
      <div className="actions">
        <button
          type="button"
          className="button-secondary"
          aria-pressed={isTrashShown}
          onClick={() => setIsTrashShown((value) => !value)}
        >
          {isTrashShown ? 'Back to documents' : 'Show trash'}
        </button>
      </div>
      {isTrashShown ? (
        <>
          {queue.items.length > 0 ? (
            <section aria-label="Uploads in progress" className="upload-area">
              <UploadList queue={queue} />
            </section>
          ) : null}
          <TrashView matterId={matterId} canRestore={canEdit} onRestored={listing.reload} />
        </>
      ) : (
        <LoadedView loaded={listing}>
          {(value) => (
            <FolderContent
              matterId={matterId}
              listing={value}
              reload={listing.reload}
              queue={canEdit ? queue : undefined}
            />
          )}
        </LoadedView>
      )}
    </div>
  );
}

function Breadcrumbs({ matterId, path }: { matterId: string; path: Folder[] }) {
  return (
    <nav aria-label="Folder path">
      <ol className="breadcrumbs">
        {path.map((folder, index) => {
          const label = folder.parentId === undefined ? 'Top folder' : folder.name;
          return (
            <li key={folder.id}>
              {index === path.length - 1 ? (
                <span aria-current="page">{label}</span>
              ) : (
                <Link to={folderPageUrl(matterId, folder)}>{label}</Link>
              )}
            </li>
          );
        })}
      </ol>
    </nav>
  );
}

function FolderContent({
  matterId,
  listing,
  reload,
  queue,
}: {
  matterId: string;
  listing: FolderListing;
  reload: () => void;
  /** Absent for those who may not change the matter's documents: then nothing offers a change. */
  queue: UploadQueueState | undefined;
}) {
  const canEdit = queue !== undefined;
  const session = useSignedIn();
  const filterId = useId();
  const [filter, setFilter] = useState('');
  const deferredFilter = useDeferredValue(filter);
  const [message, setMessage] = useState('');
  const [selected, setSelected] = useState<{ document: DocumentSummary; action: DocumentAction }>();
  const [selectedFolder, setSelectedFolder] = useState<{ folder: Folder; action: FolderAction }>();
  const { folder, folders } = listing;
  // The server sends the folder's documents in its own order; people look for names.
  const documents = useMemo(() => {
    const needle = deferredFilter.trim().toLocaleLowerCase();
    const shown =
      needle === ''
        ? listing.documents
        : listing.documents.filter((document) => document.name.toLocaleLowerCase().includes(needle));
    return [...shown].sort((a, b) => a.name.localeCompare(b.name));
  }, [listing.documents, deferredFilter]);
  const path = listing.path.some((step) => step.id === folder.id) ? listing.path : [...listing.path, folder];
  const documentNames = useMemo(
    () => listing.documents.map((document) => document.name),
    [listing.documents],
  );

  // A process server comes to upload proof of service, often on a phone: the upload comes first.
  const isUploadFirst = session.user.role === 'process_server';
  const foldersSection = (
    <section aria-labelledby="folders-heading">
      <h2 id="folders-heading">
        Folders in {folder.parentId === undefined ? 'the top folder' : `“${folder.name}”`}
      </h2>
      {folders.length > 0 ? (
        <ul className="folder-list">
          {folders.map((child) => (
            <li key={child.id}>
              <Link to={folderPageUrl(matterId, child)}>{child.name}</Link>{' '}
              <ClassificationBadge
                classification={child.classification}
                inherited={child.classificationIsInherited}
              />
              {canEdit ? (
                <>
                  {' '}
                  <button
                    type="button"
                    className="button-quiet"
                    aria-label={`Rename folder ${child.name}`}
                    onClick={() => setSelectedFolder({ folder: child, action: 'rename' })}
                  >
                    Rename
                  </button>
                  <button
                    type="button"
                    className="button-quiet"
                    aria-label={`Trash folder ${child.name}`}
                    onClick={() => setSelectedFolder({ folder: child, action: 'trash' })}
                  >
                    Trash
                  </button>
                </>
              ) : null}
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">No subfolders.</p>
      )}
      {canEdit ? (
        <CreateFolderForm
          matterId={matterId}
          parentId={folder.id}
          onCreated={(name) => {
            setMessage(`Folder “${name}” created.`);
            reload();
          }}
        />
      ) : null}
    </section>
  );
  const documentsSection = (
    <section aria-labelledby="documents-heading">
      <h2 id="documents-heading">Documents</h2>
      {queue !== undefined ? (
        <UploadQueue queue={queue} folderId={folder.id} documentNames={documentNames} />
      ) : null}
      {listing.documents.length === 0 ? (
        <p className="muted">No documents in this folder yet.</p>
      ) : (
        <>
          <div className="form-inline document-filter">
            <label htmlFor={filterId}>Filter by name</label>
            <input
              id={filterId}
              type="search"
              value={filter}
              onChange={(event) => setFilter(event.target.value)}
            />
          </div>
          <DocumentTable
            documents={documents}
            caption={`Documents in ${folder.parentId === undefined ? 'the top folder' : folder.name}`}
            onAction={canEdit ? (document, action) => setSelected({ document, action }) : undefined}
          />
        </>
      )}
    </section>
  );

  return (
    <>
      <Breadcrumbs matterId={matterId} path={path} />
      <StatusMessage message={message} />
      {isUploadFirst ? (
        <>
          {documentsSection}
          {foldersSection}
        </>
      ) : (
        <>
          {foldersSection}
          {documentsSection}
        </>
      )}
      {selected !== undefined ? (
        <DocumentActionDialog
          action={selected.action}
          document={selected.document}
          onClose={() => setSelected(undefined)}
          onDone={(text) => {
            setSelected(undefined);
            setMessage(text);
            reload();
          }}
        />
      ) : null}
      {selectedFolder !== undefined ? (
        <FolderActionDialog
          action={selectedFolder.action}
          folder={selectedFolder.folder}
          onClose={() => setSelectedFolder(undefined)}
          onDone={(text) => {
            setSelectedFolder(undefined);
            setMessage(text);
            reload();
          }}
        />
      ) : null}
    </>
  );
}

function CreateFolderForm({
  matterId,
  parentId,
  onCreated,
}: {
  matterId: string;
  parentId: string;
  onCreated: (name: string) => void;
}) {
  const api = useApi();
  const inputId = useId();
  const [name, setName] = useState('');
  const { isBusy, error, run } = useAction();

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    await run(async () => {
      await api.post<Folder>(`${matterPath(matterId)}/folders`, { name: name.trim(), parentId });
      setName('');
      onCreated(name.trim());
    });
  }

  return (
    <form className="form-inline" onSubmit={(event) => void submit(event)}>
      <ErrorAlert error={error} />
      <label htmlFor={inputId}>New folder name</label>
      <input id={inputId} value={name} maxLength={255} required onChange={(e) => setName(e.target.value)} />
      <button type="submit" disabled={isBusy || name.trim() === ''}>
        Create folder
      </button>
    </form>
  );
}
