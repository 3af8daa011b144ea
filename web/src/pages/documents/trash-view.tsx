import { useState } from 'react';
import { DataTable } from '../../components/data-table';
import { ErrorAlert } from '../../components/error-alert';
import { LoadedView } from '../../components/loading';
import { StatusMessage } from '../../components/status-message';
import { useLoad } from '../../components/use-load';
import { useApi } from '../../session/session';
import { documentPath, folderPath, matterPath, type Trash } from './documents-api';
import { formatBytes, formatDate } from './format';

/**
 * The matter's trashed folders and documents, each with Restore for those who may change the matter's
 * documents (the server refuses a reused name).
 */
export function TrashView({
  matterId,
  canRestore,
  onRestored,
}: {
  matterId: string;
  canRestore: boolean;
  onRestored: () => void;
}) {
  const api = useApi();
  const trash = useLoad((signal) => api.get<Trash>(`${matterPath(matterId)}/trash`, { signal }), [matterId]);
  const [error, setError] = useState<unknown>();
  const [message, setMessage] = useState('');

  async function restore(path: string, name: string) {
    setError(undefined);
    setMessage('');
    try {
      await api.post(`${path}/restore`);
      setMessage(`Restored “${name}”.`);
      trash.reload();
      onRestored();
    } catch (caught) {
      setError(caught);
    }
  }

  return (
    <section aria-labelledby="trash-heading">
      <h2 id="trash-heading">Trash</h2>
      <ErrorAlert error={error} />
      <StatusMessage message={message} />
      <LoadedView loaded={trash}>
        {({ folders, documents }) =>
          folders.length + documents.length === 0 ? (
            <p className="muted">The trash is empty.</p>
          ) : (
            <DataTable
              caption="Trashed folders and documents"
              columns={[
                { label: 'Name' },
                { label: 'Size', isHiddenOnPhone: true },
                { label: 'Trashed', isHiddenOnPhone: true },
                ...(canRestore ? [{ label: 'Actions', isLabelHidden: true }] : []),
              ]}
            >
              {folders.map((folder) => (
                <tr key={folder.id}>
                  <td>
                    {folder.name} <span className="muted">(folder)</span>
                  </td>
                  <td className="hide-on-phone">—</td>
                  <td className="hide-on-phone">{folder.trashedAt ? formatDate(folder.trashedAt) : ''}</td>
                  {canRestore ? (
                    <td>
                      <button
                        type="button"
                        className="button-secondary"
                        aria-label={`Restore ${folder.name}`}
                        onClick={() => void restore(folderPath(matterId, folder.id), folder.name)}
                      >
                        Restore
                      </button>
                    </td>
                  ) : null}
                </tr>
              ))}
              {documents.map((document) => (
                <tr key={document.id}>
                  <td>{document.name}</td>
                  <td className="hide-on-phone">{formatBytes(document.size)}</td>
                  <td className="hide-on-phone">
                    {document.trashedAt ? formatDate(document.trashedAt) : ''}
                  </td>
                  {canRestore ? (
                    <td>
                      <button
                        type="button"
                        className="button-secondary"
                        aria-label={`Restore ${document.name}`}
                        onClick={() => void restore(documentPath(document.id), document.name)}
                      >
                        Restore
                      </button>
                    </td>
                  ) : null}
                </tr>
              ))}
            </DataTable>
          )
        }
      </LoadedView>
    </section>
  );
}
