import type { ReactNode } from 'react';
import { Dialog } from '../../components/dialog';

/** Asks before a destructive act; the confirming button names the act. */
export function ConfirmDialog({
  title,
  confirmLabel,
  isDanger = true,
  busy,
  onConfirm,
  onClose,
  children,
}: {
  title: string;
  confirmLabel: string;
  isDanger?: boolean;
  busy: boolean;
  onConfirm: () => void;
  onClose: () => void;
  children: ReactNode;
}) {
  return (
    <Dialog title={title} onClose={onClose}>
      {children}
      <div className="actions">
        <button
          type="button"
          className={isDanger ? 'button-danger' : undefined}
          disabled={busy}
          onClick={onConfirm}
        >
          {confirmLabel}
        </button>
        <button type="button" className="button-secondary" onClick={onClose}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}
