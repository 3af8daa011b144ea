import { type ChangeEvent, type DragEvent, useCallback, useEffect, useId, useRef, useState } from 'react';
import { ErrorAlert } from '../../components/error-alert';
import { useApi } from '../../session/session';
import { matterPath, type UploadResult, uploadReceipts } from './documents-api';

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

type UploadItem = {
  key: number;
  file: File;
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

/**
 * The drop zone, the file picker and the queue of uploads into one folder. `onUploaded` runs when the queue
 * goes idle after at least one upload finished, so a big batch reloads the listing once, not per file.
 */
export function UploadQueue({
  matterId,
  folderId,
  onUploaded,
}: {
  matterId: string;
  folderId: string;
  onUploaded: () => void;
}) {
  const api = useApi();
  const inputId = useId();
  const [items, setItems] = useState<UploadItem[]>([]);
  const [isOver, setIsOver] = useState(false);
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
        const query = new URLSearchParams({ name: item.file.name, folderId: item.folderId });
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

  function add(files: FileList | null) {
    if (files === null || files.length === 0) return;
    const added = Array.from(files, (file) => ({
      key: nextKey.current++,
      file,
      folderId,
      sentBytes: 0,
      status: 'queued' as const,
    }));
    setItems((current) => [...current, ...added]);
  }

  function cancel(item: UploadItem) {
    const controller = controllers.current.get(item.key);
    if (controller !== undefined) controller.abort();
    else update(item.key, { status: 'cancelled' });
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

  const finished = items.filter((item) => item.status !== 'queued' && item.status !== 'uploading');
  const active = items.length - finished.length;

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
            <UploadRow key={item.key} item={item} onCancel={() => cancel(item)} />
          ))}
        </ul>
      ) : null}
      {finished.length > 0 && active === 0 ? (
        <button
          type="button"
          className="button-quiet"
          onClick={() => setItems((current) => current.filter((item) => item.status === 'uploading'))}
        >
          Clear finished uploads
        </button>
      ) : null}
    </section>
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
        {item.file.name}
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
          aria-label={`Cancel upload of ${item.file.name}`}
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
