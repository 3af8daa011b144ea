import { type DependencyList, useCallback, useEffect, useRef, useState } from 'react';

export type Loaded<T> =
  | { state: 'loading'; reload: () => void }
  | { state: 'failed'; error: unknown; reload: () => void }
  | { state: 'ready'; value: T; reload: () => void };

/** Loads data for a page; stale answers (the page moved on) are dropped. */
/**
 * `load` is read through a ref, so callers pass an inline function and name what it depends on in `deps`
 * (ids from the route, usually).
 */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: DependencyList): Loaded<T> {
  const loadRef = useRef(load);
  loadRef.current = load;
  const [result, setResult] = useState<
    { state: 'loading' } | { state: 'failed'; error: unknown } | { state: 'ready'; value: T }
  >({ state: 'loading' });
  const [generation, setGeneration] = useState(0);
  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  useEffect(() => {
    const controller = new AbortController();
    loadRef.current(controller.signal).then(
      (value) => {
        if (!controller.signal.aborted) setResult({ state: 'ready', value });
      },
      (error: unknown) => {
        if (!controller.signal.aborted) setResult({ state: 'failed', error });
      },
    );
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the caller names the dependencies
  }, [...deps, generation]);
  return { ...result, reload };
}
