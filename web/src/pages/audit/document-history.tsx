import { useState } from 'react';
import { segment } from '../../api/client';
import { DataTable } from '../../components/data-table';
import { ErrorAlert } from '../../components/error-alert';
import { LoadedView } from '../../components/loading';
import { StatusMessage } from '../../components/status-message';
import { useLoad } from '../../components/use-load';
import { Link } from '../../router';
import { useApi, useSignedIn } from '../../session/session';
import { namesOnMatter } from '../matters/matters-api';
import { type Receipt, type ReceiptPending, saveFile } from './ledger-api';

/** documents.history.routes.ts `historyResponse`. */
type HistoryEntry = {
  entryId: string;
  kind: string;
  at: string;
  actor: { type: 'user' | 'system' | 'anonymous'; id?: string };
  index?: number;
  proofStatus: 'pending' | 'sequenced' | 'checkpointed';
  version?: number;
  from?: string;
  to?: string;
};
type History = { documentId: string; checkpointSize?: number; entries: HistoryEntry[] };

const kindLabels: Record<string, string> = {
  'documents.version_uploaded': 'Uploaded',
  'documents.version_downloaded': 'Downloaded',
  'documents.document_renamed': 'Renamed',
  'documents.document_moved': 'Moved',
  'documents.document_trashed': 'Moved to trash',
  'documents.document_restored': 'Restored from trash',
  'documents.classification_changed': 'Classification changed',
  'documents.integrity_failed': 'Integrity check failed',
};

const classificationLabels: Record<string, string> = {
  public: 'Public',
  internal: 'Internal',
  highly_sensitive: 'Highly sensitive',
};

function describe(entry: HistoryEntry): string {
  const label = kindLabels[entry.kind] ?? entry.kind;
  if (entry.kind === 'documents.classification_changed' && entry.from !== undefined && entry.to !== undefined)
    return `${label}: ${classificationLabels[entry.from] ?? entry.from} → ${classificationLabels[entry.to] ?? entry.to}`;
  return entry.version === undefined ? label : `${label} (version ${entry.version})`;
}

function ProofStatus({ entry }: { entry: HistoryEntry }) {
  if (entry.proofStatus === 'checkpointed')
    return (
      <span className="status-ok">
        In a signed checkpoint <span className="muted">(entry {entry.index})</span>
      </span>
    );
  if (entry.proofStatus === 'sequenced')
    return <span>In the tree (entry {entry.index}), awaiting a signed checkpoint</span>;
  return <span className="muted">Pending: not yet in the tree</span>;
}

/**
 * A document's events from the ledger, each with its proof status; the document page places it under its
 * own "History" heading, so this renders no heading of its own.
 */
export function DocumentHistory({ documentId, matterId }: { documentId: string; matterId: string }) {
  const api = useApi();
  const session = useSignedIn();
  const loaded = useLoad(
    async (signal) => {
      const history = await api.get<History>(`/api/documents/${segment(documentId)}/history`, { signal });
      const ids = history.entries.flatMap((entry) => (entry.actor.id === undefined ? [] : [entry.actor.id]));
      return {
        history,
        names: await namesOnMatter({ api, matterId, userIds: ids, accountRole: session.user.role, signal }),
      };
    },
    [api, documentId, matterId],
  );
  const [error, setError] = useState<unknown>(undefined);
  const [message, setMessage] = useState('');

  function downloadReceipt(entry: HistoryEntry) {
    setError(undefined);
    setMessage('');
    api.get<Receipt | ReceiptPending>(`/api/ledger/receipts/${segment(entry.entryId)}`).then((answer) => {
      if ('status' in answer) {
        setMessage(`The receipt is not ready yet: try again in ${answer.retryAfterSeconds} seconds.`);
        return;
      }
      saveFile(
        new Blob([JSON.stringify(answer, null, 2)], { type: 'application/json' }),
        `receipt-${entry.entryId}.json`,
      );
      setMessage('Receipt downloaded. Check it with writ ledger prove (see the Ledger page).');
    }, setError);
  }

  return (
    <>
      <p className="muted">
        From the ledger. Each entry is provable once a signed checkpoint includes it; see{' '}
        <Link to="/audit">the Ledger page</Link> for checking one offline.
      </p>
      <StatusMessage message={message} />
      <ErrorAlert error={error} />
      <LoadedView loaded={loaded}>
        {({ history, names }) =>
          history.entries.length === 0 ? (
            <p className="muted">No events yet.</p>
          ) : (
            <DataTable
              caption="Events of this document, oldest first"
              columns={[
                { label: 'When' },
                { label: 'What' },
                { label: 'Who' },
                { label: 'Proof' },
                { label: 'Receipt', isHiddenOnPhone: true },
              ]}
            >
              {history.entries.map((entry) => {
                const isMine = entry.actor.id === session.user.id;
                const who =
                  entry.actor.id === undefined
                    ? entry.actor.type === 'system'
                      ? 'Writ'
                      : 'Someone outside the firm'
                    : isMine
                      ? 'You'
                      : (names.get(entry.actor.id) ?? 'Someone no longer on the matter');
                return (
                  <tr key={entry.entryId}>
                    <td>{new Date(entry.at).toLocaleString()}</td>
                    <td>{describe(entry)}</td>
                    <td>{who}</td>
                    <td>
                      <ProofStatus entry={entry} />
                    </td>
                    <td className="hide-on-phone">
                      {isMine && entry.proofStatus === 'checkpointed' ? (
                        <button type="button" className="button-quiet" onClick={() => downloadReceipt(entry)}>
                          Receipt <span className="visually-hidden">of {describe(entry)}</span>
                        </button>
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </DataTable>
          )
        }
      </LoadedView>
    </>
  );
}
