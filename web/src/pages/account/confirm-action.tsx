import { type ReactNode, useState } from 'react';
import { Dialog } from '../../components/dialog';
import { ErrorAlert } from '../../components/error-alert';

/** A button that asks before a destructive act, and shows the server's answer in the dialog if it fails. */
export function ConfirmAction({
  label,
  accessibleLabel,
  title,
  confirmLabel,
  onConfirm,
  children,
  className = 'button-danger',
}: {
  label: string;
  /** The button's name when `label` alone is ambiguous in a list ("Delete" → "Delete Work laptop"). */
  accessibleLabel?: string;
  title: string;
  confirmLabel: string;
  onConfirm: () => Promise<unknown>;
  children: ReactNode;
  className?: string;
}) {
  const [isOpen, setIsOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  async function confirm() {
    setBusy(true);
    setError(undefined);
    try {
      await onConfirm();
      setIsOpen(false);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <button
        type="button"
        className={className}
        aria-label={accessibleLabel}
        onClick={() => setIsOpen(true)}
      >
        {label}
      </button>
      {isOpen ? (
        <Dialog title={title} onClose={() => setIsOpen(false)}>
          {children}
          <ErrorAlert error={error} />
          <div className="actions">
            <button type="button" className="button-danger" onClick={() => void confirm()} disabled={busy}>
              {confirmLabel}
            </button>
            <button type="button" className="button-secondary" onClick={() => setIsOpen(false)}>
              Cancel
            </button>
          </div>
        </Dialog>
      ) : null}
    </>
  );
}
