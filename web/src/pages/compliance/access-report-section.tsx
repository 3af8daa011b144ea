import { useState } from 'react';
import { segment } from '../../api/client';
import { DataTable } from '../../components/data-table';
import { ErrorAlert } from '../../components/error-alert';
import { LoadedView } from '../../components/loading';
import { StatusMessage } from '../../components/status-message';
import { useLoad } from '../../components/use-load';
import { useApi } from '../../session/session';
import { usernamesOf } from '../matters/matters-api';
import { type AccessReport, endLabels, formatTime, howLabels } from './compliance-api';
import { MatterChooser } from './matter-chooser';

/** Who had which access to a matter, from when to when, built from the ledger; with a CSV download. */
export function AccessReportSection({ matterId }: { matterId: string | undefined }) {
  return (
    <section aria-labelledby="report-heading">
      <h2 id="report-heading">Access reports</h2>
      <p className="muted">
        Built from the ledger&apos;s events, not from today&apos;s memberships: it shows every period of
        access, including ended ones.
      </p>
      {/* @NOTE Siblings' keys must differ: two equal keys make React leave stale copies in the page. */}
      <MatterChooser key={`chooser-${matterId ?? ''}`} section="access-reports" matterId={matterId} />
      {matterId === undefined ? null : <MatterReport key={`matter-${matterId}`} matterId={matterId} />}
    </section>
  );
}

function MatterReport({ matterId }: { matterId: string }) {
  const api = useApi();
  const path = `/api/matters/${segment(matterId)}/access-report`;
  const loaded = useLoad(
    async (signal) => {
      const report = await api.get<AccessReport>(path, { signal });
      const names = await usernamesOf(
        api,
        report.rows
          .flatMap((row) => [row.userId, row.grantedBy ?? '', row.endedByUserId ?? ''])
          .filter(Boolean),
        signal,
      );
      return { report, names };
    },
    [api, path],
  );
  const [error, setError] = useState<unknown>(undefined);
  const [message, setMessage] = useState('');

  function download() {
    setError(undefined);
    setMessage('');
    api.blob(`${path}.csv`).then(({ blob }) => {
      const url = URL.createObjectURL(blob);
      const anchor = document.createElement('a');
      anchor.href = url;
      anchor.download = `access-report-${matterId}.csv`;
      document.body.append(anchor);
      anchor.click();
      anchor.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setMessage('The report was downloaded as CSV.');
    }, setError);
  }

  return (
    <>
      <h3>
        Access to <span className="mono">{matterId}</span>
      </h3>
      <LoadedView loaded={loaded}>
        {({ report, names }) => {
          const nameOf = (id: string | undefined) => (id === undefined ? '—' : (names.get(id) ?? id));
          return (
            <>
              <div className="actions">
                <button type="button" className="button-secondary" onClick={download}>
                  Download CSV
                </button>
                <span className="muted">Generated {formatTime(report.generatedAt)}</span>
              </div>
              <StatusMessage message={message} />
              <ErrorAlert error={error} />
              {report.rows.length === 0 ? (
                <p className="muted">Nobody has had access to this matter.</p>
              ) : (
                <DataTable
                  caption="Periods of access to the matter"
                  columns={[
                    { label: 'Who' },
                    { label: 'Role' },
                    { label: 'From' },
                    { label: 'To' },
                    { label: 'How', isHiddenOnPhone: true },
                    { label: 'Ended', isHiddenOnPhone: true },
                  ]}
                >
                  {report.rows.map((row, index) => (
                    <tr key={`${row.userId}-${row.from}-${index}`}>
                      <th scope="row">{nameOf(row.userId)}</th>
                      <td>
                        {row.role}
                        {row.namedForHighlySensitive ? (
                          <span className="muted"> (named for highly sensitive)</span>
                        ) : null}
                      </td>
                      <td>{formatTime(row.from)}</td>
                      <td>
                        {row.to === undefined ? (
                          <span className="status-ok">Still open</span>
                        ) : (
                          formatTime(row.to)
                        )}
                        {row.expiresAt !== undefined && row.to === undefined ? (
                          <span className="muted"> (ends {formatTime(row.expiresAt)})</span>
                        ) : null}
                      </td>
                      <td className="hide-on-phone">
                        {howLabels[row.how]}
                        {row.grantedBy !== undefined ? ` by ${nameOf(row.grantedBy)}` : ''}
                      </td>
                      <td className="hide-on-phone">
                        {row.endedBy === undefined ? '—' : endLabels[row.endedBy]}
                        {row.endedByUserId !== undefined ? ` by ${nameOf(row.endedByUserId)}` : ''}
                      </td>
                    </tr>
                  ))}
                </DataTable>
              )}
            </>
          );
        }}
      </LoadedView>
    </>
  );
}
