import { type ChangeEvent, type DragEvent, useCallback, useEffect, useId, useRef, useState } from 'react';
import { Dialog } from '../../components/dialog';
import { ErrorAlert } from '../../components/error-alert';
import { useApi } from '../../session/session';
import { matterPath, nameKey, type UploadResult, uploadReceipts } from './documents-api';

/**
 * Files up to this size are hashed in the browser and the hash sent as X-Content-SHA256, so the server
 * refuses a body that changed on the way. WebCrypto has no streaming digest: hashing means holding the whole
 * file in memory, so larger files go without (the server computes the SHA-256 anyway and the document page
 * shows it). `crypto.subtle.digest` runs off the main thread.
 */
const hashLimitBytes = 16 * 1024 * 1024;
/** Uploads at once: enough to fill the connection, few enough that each shows steady progress. */
const concurrency = 3;

type UploadStatus = 'queued' | 'uploading' | 'done' | 'failed' | 'cancelled';

export type UploadItem = {
  key: number;
  file: File;
  /** The document's name: the file's own, unless the person kept both of two files named alike. */
  name: string;
  /** Fixed when the file is added: the view may move to another folder while the queue works. */
  folderId: string;
  sentBytes: number;
  status: UploadStatus;
  error?: unknown;
  result?: UploadResult;
};

async function sha256Hex(file: File): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

const statusText: Record<UploadStatus, string> = {
  queued: 'Waiting',
  uploading: 'Uploading',
  done: 'Uploaded',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** `report (2).pdf`, `report (3).pdf`…: the first such name nobody in `taken` holds. */
function freeNameFor(name: string, taken: ReadonlySet<string>): string {
  const dot = name.lastIndexOf('.');
  const [stem, extension] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  for (let count = 2; ; count += 1) {
    const candidate = `${stem} (${count})${extension}`;
    if (!taken.has(nameKey(candidate))) return candidate;
  }
}

export type UploadQueueState = {
  items: UploadItem[];
  add: (files: { file: File; name: string }[], folderId: string) => void;
  cancel: (item: UploadItem) => void;
  clearFinished: () => void;
};

/**
 * The uploads of one matter, kept by the folder view so that they outlive what it shows (the trash, another
 * folder). `onUploaded` runs when the queue goes idle after at least one upload finished, so a big batch
 * reloads the listing once, not per file. While uploads run, leaving or reloading the page asks first.
 */
export function useUploadQueue({
  matterId,
  onUploaded,
}: {
  matterId: string;
  onUploaded: () => void;
}): UploadQueueState {
  const api = useApi();
  const [items, setItems] = useState<UploadItem[]>([]);
  const controllers = useRef(new Map<number, AbortController>());
  const nextKey = useRef(1);
  const hasNewUploads = useRef(false);
  const started = useRef(new Set<number>());

  const update = useCallback((key: number, change: Partial<UploadItem>) => {
    setItems((current) => current.map((item) => (item.key === key ? { ...item, ...change } : item)));
  }, []);

  const start = useCallback(
    async (item: UploadItem) => {
      const controller = new AbortController();
      controllers.current.set(item.key, controller);
      update(item.key, { status: 'uploading' });
      try {
        const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
        if (item.file.size <= hashLimitBytes) headers['x-content-sha256'] = await sha256Hex(item.file);
        const query = new URLSearchParams({ name: item.name, folderId: item.folderId });
        if (item.file.type !== '') query.set('mediaType', item.file.type);
        const result = await api.upload<UploadResult>(
          `${matterPath(matterId)}/documents?${query}`,
          item.file,
          {
            signal: controller.signal,
            headers,
            onProgress: (sentBytes) => update(item.key, { sentBytes }),
          },
        );
        uploadReceipts.set(result.document.id, {
          version: result.version.version,
          receiptUrl: result.receiptUrl,
        });
        hasNewUploads.current = true;
        update(item.key, { status: 'done', sentBytes: item.file.size, result });
      } catch (error) {
        const isCancelled = error instanceof DOMException && error.name === 'AbortError';
        update(item.key, isCancelled ? { status: 'cancelled' } : { status: 'failed', error });
      } finally {
        controllers.current.delete(item.key);
      }
    },
    [api, matterId, update],
  );

  // Starts queued uploads while fewer than `concurrency` run; reloads the listing when all are done.
  useEffect(() => {
    const running = items.filter((item) => item.status === 'uploading').length;
    const queued = items.filter((item) => item.status === 'queued');
    const startable = queued.filter((item) => !started.current.has(item.key));
    for (const item of startable.slice(0, Math.max(0, concurrency - running))) {
      started.current.add(item.key);
      void start(item);
    }
    if (running === 0 && queued.length === 0 && hasNewUploads.current) {
      hasNewUploads.current = false;
      onUploaded();
    }
  }, [items, start, onUploaded]);

  useEffect(() => {
    const running = controllers.current;
    return () => {
      for (const controller of running.values()) controller.abort();
    };
  }, []);

  const isBusy = items.some((item) => item.status === 'queued' || item.status === 'uploading');
  useEffect(() => {
    if (!isBusy) return undefined;
    const ask = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', ask);
    return () => window.removeEventListener('beforeunload', ask);
  }, [isBusy]);

  const add = useCallback((files: { file: File; name: string }[], folderId: string) => {
    if (files.length === 0) return;
    const added = files.map(({ file, name }) => ({
      key: nextKey.current++,
      file,
      name,
      folderId,
      sentBytes: 0,
      status: 'queued' as const,
    }));
    setItems((current) => [...current, ...added]);
  }, []);

  const cancel = useCallback(
    (item: UploadItem) => {
      const controller = controllers.current.get(item.key);
      if (controller !== undefined) controller.abort();
      else update(item.key, { status: 'cancelled' });
    },
    [update],
  );

  const clearFinished = useCallback(
    () => setItems((current) => current.filter((item) => item.status === 'uploading')),
    [],
  );

  return { items, add, cancel, clearFinished };
}

/**
 * The drop zone and the file picker of one folder, then the queue. A file named like a document already
 * in the folder (or on its way there) waits for the person to choose: a new version of that document,
 * both kept (the new one renamed), or nothing.
 */
export function UploadQueue({
  queue,
  folderId,
  documentNames,
}: {
  queue: UploadQueueState;
  folderId: string;
  /** The names of the folder's documents, as its listing gave them. */
  documentNames: readonly string[];
}) {
  const inputId = useId();
  const [isOver, setIsOver] = useState(false);
  const [conflicts, setConflicts] = useState<File[]>([]);

  function namesTaken(): Set<string> {
    const inQueue = queue.items
      .filter((item) => item.folderId === folderId && item.status !== 'failed' && item.status !== 'cancelled')
      .map((item) => item.name);
    return new Set([...documentNames, ...inQueue].map(nameKey));
  }

  function add(files: FileList | null) {
    if (files === null || files.length === 0) return;
    const taken = namesTaken();
    const clear: File[] = [];
    const clashing: File[] = [];
    for (const file of Array.from(files)) {
      (taken.has(nameKey(file.name)) ? clashing : clear).push(file);
      taken.add(nameKey(file.name));
    }
    queue.add(
      clear.map((file) => ({ file, name: file.name })),
      folderId,
    );
    setConflicts((current) => [...current, ...clashing]);
  }

  function settle(file: File, choice: 'version' | 'both' | 'cancel') {
    setConflicts((current) => current.slice(1));
    if (choice === 'version') queue.add([{ file, name: file.name }], folderId);
    if (choice === 'both') queue.add([{ file, name: freeNameFor(file.name, namesTaken()) }], folderId);
  }

  function onDrop(event: DragEvent<HTMLDivElement>) {
    event.preventDefault();
    setIsOver(false);
    add(event.dataTransfer.files);
  }

  function onPick(event: ChangeEvent<HTMLInputElement>) {
    add(event.target.files);
    event.target.value = '';
  }

  const conflict = conflicts[0];
  return (
    <section aria-labelledby={`${inputId}-heading`} className="upload-area">
      <h3 id={`${inputId}-heading`} className="visually-hidden">
        Upload
      </h3>
      <div
        className={`dropzone${isOver ? ' is-over' : ''}`}
        onDragOver={(event) => {
          event.preventDefault();
          setIsOver(true);
        }}
        onDragLeave={() => setIsOver(false)}
        onDrop={onDrop}
      >
        <p>Drop files here, or</p>
        <label htmlFor={inputId} className="button">
          Choose files to upload
        </label>
        <input id={inputId} type="file" multiple className="visually-hidden" onChange={onPick} />
      </div>
      <UploadList queue={queue} />
      {conflict !== undefined ? (
        <Dialog
          key={conflicts.length}
          title={`A document named “${conflict.name}” already exists here`}
          onClose={() => settle(conflict, 'cancel')}
        >
          <p>
            Add this file as a new version of it, keep both (the new one as “
            {freeNameFor(conflict.name, namesTaken())}”), or cancel this upload.
          </p>
          <div className="actions">
            <button type="button" onClick={() => settle(conflict, 'version')}>
              Add as a new version
            </button>
            <button type="button" className="button-secondary" onClick={() => settle(conflict, 'both')}>
              Keep both
            </button>
            <button type="button" className="button-secondary" onClick={() => settle(conflict, 'cancel')}>
              Cancel
            </button>
          </div>
        </Dialog>
      ) : null}
    </section>
  );
}

/** The queue's progress: shown under the drop zone, and in its place while the trash is shown. */
export function UploadList({ queue }: { queue: UploadQueueState }) {
  const { items } = queue;
  const finished = items.filter((item) => item.status !== 'queued' && item.status !== 'uploading');
  const active = items.length - finished.length;
  return (
    <>
      <p role="status" className="muted">
        {active > 0
          ? `Uploading ${active} ${active === 1 ? 'file' : 'files'}…`
          : finished.length > 0
            ? `${finished.filter((item) => item.status === 'done').length} of ${finished.length} uploaded.`
            : ''}
      </p>
      {items.length > 0 ? (
        <ul className="upload-list" aria-label="Uploads">
          {items.map((item) => (
            <UploadRow key={item.key} item={item} onCancel={() => queue.cancel(item)} />
          ))}
        </ul>
      ) : null}
      {finished.length > 0 && active === 0 ? (
        <button type="button" className="button-quiet" onClick={queue.clearFinished}>
          Clear finished uploads
        </button>
      ) : null}
    </>
  );
}

function UploadRow({ item, onCancel }: { item: UploadItem; onCancel: () => void }) {
  const progressId = useId();
  const percent =
    item.file.size === 0 ? 100 : Math.min(100, Math.round((item.sentBytes / item.file.size) * 100));
  const isActive = item.status === 'queued' || item.status === 'uploading';
  return (
    <li className="upload-item">
      <label htmlFor={progressId} className="upload-name">
        {item.name}
      </label>
      <progress id={progressId} max={100} value={item.status === 'done' ? 100 : percent}>
        {percent}%
      </progress>
      <span className="upload-state">
        {statusText[item.status]}
        {isActive ? ` ${percent}%` : ''}
        {item.status === 'done' && item.result?.created === false ? ' (new version)' : ''}
      </span>
      {isActive ? (
        <button
          type="button"
          className="button-secondary"
          onClick={onCancel}
          aria-label={`Cancel upload of ${item.name}`}
        >
          Cancel
        </button>
      ) : null}
      {item.status === 'failed' ? (
        <div className="upload-error">
          <ErrorAlert error={item.error} />
        </div>
      ) : null}
    </li>
  );
}
