import { useCallback, useState } from 'react';

/**
 * The state around one act the person starts (a form submit, a confirming button): busy while it runs,
 * the server's error if it failed. `run` resolves to whether the act succeeded, so the caller can clear
 * its form or close its dialog only then.
 */
export function useAction(): {
  isBusy: boolean;
  error: unknown;
  run: (act: () => Promise<unknown>) => Promise<boolean>;
} {
  const [isBusy, setIsBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const run = useCallback(async (act: () => Promise<unknown>) => {
    setIsBusy(true);
    setError(undefined);
    try {
      await act();
      return true;
    } catch (caught) {
      setError(caught);
      return false;
    } finally {
      setIsBusy(false);
    }
  }, []);
  return { isBusy, error, run };
}
