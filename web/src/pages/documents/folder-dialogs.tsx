import { ConfirmDialog } from '../../components/confirm-dialog';
import { useAction } from '../../components/use-action';
import { useApi } from '../../session/session';
import { type Folder, folderPath } from './documents-api';
import { RenameDialog } from './rename-dialog';

export type FolderAction = 'rename' | 'trash';

type FolderDialogProps = {
  folder: Folder;
  onClose: () => void;
  onDone: (message: string) => void;
};

function RenameFolderDialog({ folder, onClose, onDone }: FolderDialogProps) {
  const api = useApi();
  return (
    <RenameDialog
      title={`Rename folder “${folder.name}”`}
      label="New folder name"
      currentName={folder.name}
      onClose={onClose}
      onRename={async (name) => {
        await api.patch(folderPath(folder.matterId, folder.id), { name: name.trim() });
        onDone(`Renamed folder “${folder.name}” to “${name.trim()}”.`);
      }}
    />
  );
}

function TrashFolderDialog({ folder, onClose, onDone }: FolderDialogProps) {
  const api = useApi();
  const { isBusy, error, run } = useAction();

  function trash() {
    void run(async () => {
      await api.post(`${folderPath(folder.matterId, folder.id)}/trash`);
      onDone(`Moved folder “${folder.name}” and its content to the trash.`);
    });
  }

  return (
    <ConfirmDialog
      title={`Move folder “${folder.name}” to the trash?`}
      confirmLabel="Move to trash"
      isBusy={isBusy}
      error={error}
      onConfirm={trash}
      onClose={onClose}
    >
      <p>Its subfolders and documents go with it. It can be restored from the matter&apos;s trash.</p>
    </ConfirmDialog>
  );
}

export function FolderActionDialog({ action, ...props }: FolderDialogProps & { action: FolderAction }) {
  return action === 'rename' ? <RenameFolderDialog {...props} /> : <TrashFolderDialog {...props} />;
}
