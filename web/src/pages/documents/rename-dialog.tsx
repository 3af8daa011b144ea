import { type SubmitEvent, useId, useState } from 'react';
import { Dialog } from '../../components/dialog';
import { ErrorAlert } from '../../components/error-alert';
import { useAction } from '../../components/use-action';

/** Renaming a document or a folder: one field, prefilled with the current name; `onRename` does the call. */
export function RenameDialog({
  title,
  label,
  currentName,
  onRename,
  onClose,
}: {
  title: string;
  label: string;
  currentName: string;
  onRename: (name: string) => Promise<void>;
  onClose: () => void;
}) {
  const inputId = useId();
  const [name, setName] = useState(currentName);
  const { isBusy, error, run } = useAction();

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    await run(() => onRename(name));
  }

  return (
    <Dialog title={title} onClose={onClose}>
      <form className="form" onSubmit={(event) => void submit(event)}>
        <ErrorAlert error={error} />
        <label htmlFor={inputId}>{label}</label>
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
