import type { ReactNode } from 'react';
import { Dialog } from './dialog';
import { ErrorAlert } from './error-alert';

/**
 * Asks before a destructive act; the confirming button names the act, and a failure shows in the dialog
 * so the person sees why nothing happened. Titles and button names stay with each caller: tests and
 * screen readers find the dialog by them.
 */
export function ConfirmDialog({
  title,
  confirmLabel,
  isDanger = true,
  isBusy,
  error,
  onConfirm,
  onClose,
  children,
}: {
  title: string;
  confirmLabel: string;
  isDanger?: boolean;
  isBusy: boolean;
  error?: unknown;
  onConfirm: () => void;
  onClose: () => void;
  children: ReactNode;
}) {
  return (
    <Dialog title={title} onClose={onClose}>
      {children}
      <ErrorAlert error={error} />
      <div className="actions">
        <button
          type="button"
          className={isDanger ? 'button-danger' : undefined}
          disabled={isBusy}
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
