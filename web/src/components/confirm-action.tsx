import { type ReactNode, useState } from 'react';
import { ConfirmDialog } from './confirm-dialog';
import { useAction } from './use-action';

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
  const { isBusy, error, run } = useAction();

  async function confirm() {
    if (await run(onConfirm)) setIsOpen(false);
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
        <ConfirmDialog
          title={title}
          confirmLabel={confirmLabel}
          isBusy={isBusy}
          error={error}
          onConfirm={() => void confirm()}
          onClose={() => setIsOpen(false)}
        >
          {children}
        </ConfirmDialog>
      ) : null}
    </>
  );
}
