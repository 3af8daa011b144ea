import { type MouseEvent, useState } from 'react';
import { useApi } from '../../session/session';
import { ErrorAlert } from '../../components/error-alert';
import {
  contentUrl,
  documentPath,
  type DocumentSummary,
  type Receipt,
  type ReceiptPending,
  uploadReceipts,
  type Version,
} from './documents-api';

/**
 * A plain <a>, <img> or new tab cannot answer the server's `identity.step_up_required`; the API client can
 * (it opens the step-up dialog and repeats the request). So before each download or preview of a highly
 * sensitive document, the document's details are read through the client: that read needs the same recent
 * second factor as the content and records nothing (the content route has no HEAD, and a Range probe is a
 * download on the ledger), so one Download click is one read on the ledger, and a step-up window that passed
 * while the page was open brings the dialog back instead of a failed download.
 */
export function useContentProbe(document: DocumentSummary) {
  const api = useApi();
  const isGuarded = document.classification === 'highly_sensitive';
  const [isCleared, setIsCleared] = useState(!isGuarded);
  const [error, setError] = useState<unknown>();

  async function check(): Promise<boolean> {
    setError(undefined);
    try {
      await api.get(documentPath(document.id));
      setIsCleared(true);
      return true;
    } catch (caught) {
      setIsCleared(false);
      setError(caught);
      return false;
    }
  }

  /**
   * A one-byte Range read of the current version, for its receipt. It is a read like any other: it is on
   * the ledger, and its `X-Writ-Receipt` names that read's receipt.
   */
  async function probe(): Promise<string | undefined> {
    setError(undefined);
    try {
      const { headers } = await api.blob(contentUrl(document.id), { headers: { range: 'bytes=0-0' } });
      setIsCleared(true);
      return headers.get('x-writ-receipt') ?? undefined;
    } catch (caught) {
      setError(caught);
      return undefined;
    }
  }

  return {
    isCleared,
    error,
    probe,
    clear: async () => {
      await check();
    },
    /** A preview that failed to load (the step-up window passed): show the button that checks again. */
    expireClearance: () => {
      if (isGuarded) setIsCleared(false);
    },
    /**
     * Highly sensitive documents: checks on every click, then saves through a link of its own (the
     * clicked one would come back here).
     */
    guardLink(event: MouseEvent<HTMLAnchorElement>) {
      if (!isGuarded) return;
      event.preventDefault();
      const { href, download } = event.currentTarget;
      void check().then((isAllowed) => {
        if (!isAllowed) return;
        const anchor = window.document.createElement('a');
        anchor.href = href;
        anchor.download = download;
        anchor.click();
      });
    },
  };
}

const sleep = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

/** Saves a JSON value as a file; the object URL lives for the click only. */
function saveJson(value: unknown, fileName: string) {
  const url = URL.createObjectURL(new Blob([JSON.stringify(value, null, 2)], { type: 'application/json' }));
  const anchor = window.document.createElement('a');
  anchor.href = url;
  anchor.download = fileName;
  anchor.click();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/**
 * The current version's SHA-256 (computed by the server as the bytes arrived) and its ledger receipt: a JWS
 * over the logged event plus an inclusion proof against a signed checkpoint, checkable offline. Receipts go
 * to the person who caused the event: the upload's when it happened in this tab, otherwise a one-byte read
 * of this version is made and its receipt fetched.
 */
export function DocumentIntegrity({
  document,
  current,
  probe,
}: {
  document: DocumentSummary;
  current: Version;
  probe: ReturnType<typeof useContentProbe>;
}) {
  const api = useApi();
  const [status, setStatus] = useState('');
  const [error, setError] = useState<unknown>();
  const [isBusy, setIsBusy] = useState(false);

  async function downloadReceipt() {
    setIsBusy(true);
    setError(undefined);
    setStatus('Fetching the receipt…');
    try {
      const known = uploadReceipts.get(document.id);
      const receiptUrl =
        known !== undefined && known.version === current.version ? known.receiptUrl : await probe.probe();
      if (receiptUrl === undefined) {
        setStatus('');
        return;
      }
      for (let attempt = 0; attempt < 12; attempt += 1) {
        const answer = await api.get<Receipt | ReceiptPending>(receiptUrl);
        if ('proof' in answer) {
          saveJson(answer, `${document.name}.v${current.version}.receipt.json`);
          setStatus('Receipt downloaded.');
          return;
        }
        setStatus('Waiting for the ledger to sign its next checkpoint…');
        await sleep(Math.min(Math.max(answer.retryAfterSeconds, 1), 10));
      }
      setStatus('The ledger has not signed a checkpoint yet. Try again in a minute.');
    } catch (caught) {
      setStatus('');
      setError(caught);
    } finally {
      setIsBusy(false);
    }
  }

  return (
    <section aria-labelledby="integrity-heading">
      <h2 id="integrity-heading">Integrity</h2>
      <dl className="facts">
        <dt>SHA-256 of version {current.version}</dt>
        <dd className="mono" data-testid="current-sha256">
          {current.sha256}
        </dd>
        <dt>Media type</dt>
        <dd>{current.mediaType}</dd>
      </dl>
      <ErrorAlert error={error} />
      <div className="actions">
        <button
          type="button"
          className="button-secondary"
          disabled={isBusy}
          onClick={() => void downloadReceipt()}
        >
          Download receipt
        </button>
      </div>
      <p role="status" className="muted">
        {status}
      </p>
    </section>
  );
}
