import { useEffect, useState } from 'react';
import type { ApiClient } from '../../api/client';
import { useLoad } from '../../components/use-load';
import type { Matter, PendingRequest } from './matters-api';

/** A pending request on a matter the person owns, with that matter. */
export type WaitingRequest = { matter: Matter; request: PendingRequest };

/**
 * The pending access requests on every matter the person owns, oldest first, in one answer of the API
 * (which asks the policy per matter), joined with the matters the list links to.
 */
export async function listWaitingRequests(api: ApiClient, signal?: AbortSignal): Promise<WaitingRequest[]> {
  const options = signal === undefined ? {} : { signal };
  const [{ matters }, { requests }] = await Promise.all([
    api.get<{ matters: Matter[] }>('/api/matters', options),
    api.get<{ requests: (PendingRequest & { matterId: string })[] }>(
      '/api/access-requests/awaiting-me',
      options,
    ),
  ]);
  const byId = new Map(matters.map((matter) => [matter.id, matter]));
  return requests.flatMap(({ matterId, ...request }) => {
    const matter = byId.get(matterId);
    return matter === undefined ? [] : [{ matter, request }];
  });
}

/** How many requests wait on each owned matter, by matter id. */
export function countByMatter(waiting: WaitingRequest[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { matter } of waiting) counts.set(matter.id, (counts.get(matter.id) ?? 0) + 1);
  return counts;
}

const listeners = new Set<() => void>();

/** Tells the counts on screen (the navigation's badge) that a request was decided. */
export function announceRequestsChanged(): void {
  for (const listener of listeners) listener();
}

/**
 * The waiting requests, loaded again when `key` changes (the page moved) or a decision is announced.
 * Undefined while loading or when loading failed: a count is a hint, never an error worth showing.
 */
export function useWaitingRequests(
  api: ApiClient,
  { isEnabled, key }: { isEnabled: boolean; key: string },
): WaitingRequest[] | undefined {
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    const listener = () => setGeneration((value) => value + 1);
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }, []);
  const loaded = useLoad(
    async (signal) => (isEnabled ? listWaitingRequests(api, signal) : []),
    [api, isEnabled, key, generation],
  );
  return loaded.state === 'ready' ? loaded.value : undefined;
}

/** "1 access request waiting", "3 access requests waiting". */
export function waitingLabel(count: number): string {
  return `${count} access ${count === 1 ? 'request' : 'requests'} waiting`;
}
