import { type SubmitEvent, useId, useState } from 'react';
import { Dialog } from '../../components/dialog';
import { ErrorAlert } from '../../components/error-alert';
import { LoadedView } from '../../components/loading';
import { useLoad } from '../../components/use-load';
import { useApi } from '../../session/session';
import { type DocumentSummary, documentPath, type FolderListing, folderPath } from './documents-api';

type DocumentDialogProps = {
  document: DocumentSummary;
  onClose: () => void;
  /** Called with what changed, for the caller's status message. */
  onDone: (message: string) => void;
};

export function RenameDocumentDialog({ document, onClose, onDone }: DocumentDialogProps) {
  const api = useApi();
  const inputId = useId();
  const [name, setName] = useState(document.name);
  const [error, setError] = useState<unknown>();
  const [isBusy, setIsBusy] = useState(false);

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    setIsBusy(true);
    setError(undefined);
    try {
      await api.patch(documentPath(document.id), { name });
      onDone(`Renamed “${document.name}” to “${name}”.`);
    } catch (caught) {
      setError(caught);
      setIsBusy(false);
    }
  }

  return (
    <Dialog title={`Rename “${document.name}”`} onClose={onClose}>
      <form className="form" onSubmit={(event) => void submit(event)}>
        <ErrorAlert error={error} />
        <label htmlFor={inputId}>New name</label>
        <input id={inputId} value={name} required maxLength={255} onChange={(e) => setName(e.target.value)} />
        <div className="actions">
          <button type="submit" disabled={isBusy || name.trim() === ''}>
            Rename
          </button>
          <button type="button" className="button-secondary" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/**
 * Moving browses the matter's folders from the document's folder (the API lists one folder at a time).
 * A move that lowers the inherited label needs a reason (owners only); the server says so when it does.
 */
export function MoveDocumentDialog({ document, onClose, onDone }: DocumentDialogProps) {
  const api = useApi();
  const reasonId = useId();
  const [browsedId, setBrowsedId] = useState(document.folderId);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>();
  const [isBusy, setIsBusy] = useState(false);
  const listing = useLoad(
    (signal) => api.get<FolderListing>(folderPath(document.matterId, browsedId), { signal }),
    [document.matterId, browsedId],
  );

  async function moveTo(folder: { id: string; name: string }) {
    setIsBusy(true);
    setError(undefined);
    try {
      const body: { folderId: string; reason?: string } = { folderId: folder.id };
      if (reason.trim() !== '') body.reason = reason.trim();
      await api.patch(documentPath(document.id), body);
      onDone(`Moved “${document.name}” to “${folder.name}”.`);
    } catch (caught) {
      setError(caught);
      setIsBusy(false);
    }
  }

  return (
    <Dialog title={`Move “${document.name}”`} onClose={onClose}>
      <ErrorAlert error={error} />
      <LoadedView loaded={listing}>
        {({ folder, path, folders }) => (
          <div className="move-browser">
            <nav aria-label="Folder to move to">
              <ol className="breadcrumbs">
                {path.map((step) => (
                  <li key={step.id}>
                    <button type="button" className="button-quiet" onClick={() => setBrowsedId(step.id)}>
                      {step.parentId === undefined ? 'Top folder' : step.name}
                    </button>
                  </li>
                ))}
              </ol>
            </nav>
            <p>
              Folder: <strong>{folder.parentId === undefined ? 'Top folder' : folder.name}</strong>
            </p>
            {folders.length > 0 ? (
              <ul className="folder-choices" aria-label="Subfolders">
                {folders.map((child) => (
                  <li key={child.id}>
                    <button type="button" className="button-secondary" onClick={() => setBrowsedId(child.id)}>
                      Open {child.name}
                    </button>
                  </li>
                ))}
              </ul>
            ) : (
              <p className="muted">No subfolders.</p>
            )}
            <label htmlFor={reasonId}>Reason (needed when the move lowers the classification)</label>
            <input
              id={reasonId}
              value={reason}
              maxLength={1000}
              onChange={(e) => setReason(e.target.value)}
            />
            <div className="actions">
              <button
                type="button"
                disabled={isBusy || folder.id === document.folderId}
                onClick={() =>
                  void moveTo({
                    id: folder.id,
                    name: folder.parentId === undefined ? 'Top folder' : folder.name,
                  })
                }
              >
                Move here
              </button>
              <button type="button" className="button-secondary" onClick={onClose}>
                Cancel
              </button>
            </div>
          </div>
        )}
      </LoadedView>
    </Dialog>
  );
}

export function TrashDocumentDialog({ document, onClose, onDone }: DocumentDialogProps) {
  const api = useApi();
  const [error, setError] = useState<unknown>();
  const [isBusy, setIsBusy] = useState(false);

  async function trash() {
    setIsBusy(true);
    setError(undefined);
    try {
      await api.post(`${documentPath(document.id)}/trash`);
      onDone(`Moved “${document.name}” to the trash.`);
    } catch (caught) {
      setError(caught);
      setIsBusy(false);
    }
  }

  return (
    <Dialog title={`Move “${document.name}” to the trash?`} onClose={onClose}>
      <ErrorAlert error={error} />
      <p>It can be restored from the matter&apos;s trash until the trash is emptied.</p>
      <div className="actions">
        <button type="button" className="button-danger" disabled={isBusy} onClick={() => void trash()}>
          Move to trash
        </button>
        <button type="button" className="button-secondary" onClick={onClose}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}

export type DocumentAction = 'rename' | 'move' | 'trash';

/** The dialog for one action on one document, or nothing. */
export function DocumentActionDialog({
  action,
  ...props
}: DocumentDialogProps & { action: DocumentAction | undefined }) {
  if (action === 'rename') return <RenameDocumentDialog {...props} />;
  if (action === 'move') return <MoveDocumentDialog {...props} />;
  if (action === 'trash') return <TrashDocumentDialog {...props} />;
  return null;
}
