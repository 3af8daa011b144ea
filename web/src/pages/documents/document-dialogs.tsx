import { useId, useState } from 'react';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { Dialog } from '../../components/dialog';
import { ErrorAlert } from '../../components/error-alert';
import { LoadedView } from '../../components/loading';
import { useAction } from '../../components/use-action';
import { useLoad } from '../../components/use-load';
import { useApi } from '../../session/session';
import { type DocumentSummary, documentPath, type FolderListing, folderPath } from './documents-api';
import { RenameDialog } from './rename-dialog';

type DocumentDialogProps = {
  document: DocumentSummary;
  onClose: () => void;
  /** Called with what changed, for the caller's status message. */
  onDone: (message: string) => void;
};

export function RenameDocumentDialog({ document, onClose, onDone }: DocumentDialogProps) {
  const api = useApi();
  return (
    <RenameDialog
      title={`Rename “${document.name}”`}
      label="New name"
      currentName={document.name}
      onClose={onClose}
      onRename={async (name) => {
        await api.patch(documentPath(document.id), { name });
        onDone(`Renamed “${document.name}” to “${name}”.`);
      }}
    />
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
  const { isBusy, error, run } = useAction();
  const listing = useLoad(
    (signal) => api.get<FolderListing>(folderPath(document.matterId, browsedId), { signal }),
    [document.matterId, browsedId],
  );

  async function moveTo(folder: { id: string; name: string }) {
    await run(async () => {
      const body: { folderId: string; reason?: string } = { folderId: folder.id };
      if (reason.trim() !== '') body.reason = reason.trim();
      await api.patch(documentPath(document.id), body);
      onDone(`Moved “${document.name}” to “${folder.name}”.`);
    });
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
  const { isBusy, error, run } = useAction();

  function trash() {
    void run(async () => {
      await api.post(`${documentPath(document.id)}/trash`);
      onDone(`Moved “${document.name}” to the trash.`);
    });
  }

  return (
    <ConfirmDialog
      title={`Move “${document.name}” to the trash?`}
      confirmLabel="Move to trash"
      isBusy={isBusy}
      error={error}
      onConfirm={trash}
      onClose={onClose}
    >
      <p>It can be restored from the matter&apos;s trash until the trash is emptied.</p>
    </ConfirmDialog>
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
