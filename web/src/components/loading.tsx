import type { ReactNode } from 'react';
import type { Loaded } from './use-load';
import { ErrorAlert } from './error-alert';

/** Renders a loaded value, or a status while loading, or the error with a way to try again. */
export function LoadedView<T>({
  loaded,
  children,
}: {
  loaded: Loaded<T>;
  children: (value: T) => ReactNode;
}) {
  if (loaded.state === 'loading')
    return (
      <p className="muted" role="status">
        Loading…
      </p>
    );
  if (loaded.state === 'failed')
    return (
      <div>
        <ErrorAlert error={loaded.error} />
        <button type="button" onClick={loaded.reload}>
          Try again
        </button>
      </div>
    );
  return <>{children(loaded.value)}</>;
}
