import { type SubmitEvent, useId, useState } from 'react';
import { Dialog } from '../../components/dialog';
import { ErrorAlert } from '../../components/error-alert';
import { useApi } from '../../session/session';
import { type Folder, folderPath } from './documents-api';

export type FolderAction = 'rename' | 'trash';

type FolderDialogProps = {
  folder: Folder;
  onClose: () => void;
  onDone: (message: string) => void;
};

function RenameFolderDialog({ folder, onClose, onDone }: FolderDialogProps) {
  const api = useApi();
  const inputId = useId();
  const [name, setName] = useState(folder.name);
  const [error, setError] = useState<unknown>();
  const [isBusy, setIsBusy] = useState(false);

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    setIsBusy(true);
    setError(undefined);
    try {
      await api.patch(folderPath(folder.matterId, folder.id), { name: name.trim() });
      onDone(`Renamed folder “${folder.name}” to “${name.trim()}”.`);
    } catch (caught) {
      setError(caught);
      setIsBusy(false);
    }
  }

  return (
    <Dialog title={`Rename folder “${folder.name}”`} onClose={onClose}>
      <form className="form" onSubmit={(event) => void submit(event)}>
        <ErrorAlert error={error} />
        <label htmlFor={inputId}>New folder name</label>
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

function TrashFolderDialog({ folder, onClose, onDone }: FolderDialogProps) {
  const api = useApi();
  const [error, setError] = useState<unknown>();
  const [isBusy, setIsBusy] = useState(false);

  async function trash() {
    setIsBusy(true);
    setError(undefined);
    try {
      await api.post(`${folderPath(folder.matterId, folder.id)}/trash`);
      onDone(`Moved folder “${folder.name}” and its content to the trash.`);
    } catch (caught) {
      setError(caught);
      setIsBusy(false);
    }
  }

  return (
    <Dialog title={`Move folder “${folder.name}” to the trash?`} onClose={onClose}>
      <ErrorAlert error={error} />
      <p>Its subfolders and documents go with it. It can be restored from the matter&apos;s trash.</p>
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

export function FolderActionDialog({ action, ...props }: FolderDialogProps & { action: FolderAction }) {
  return action === 'rename' ? <RenameFolderDialog {...props} /> : <TrashFolderDialog {...props} />;
}
