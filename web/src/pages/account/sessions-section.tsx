import { useState } from 'react';
import { segment } from '../../api/client';
import { ConfirmAction } from '../../components/confirm-action';
import { DataTable } from '../../components/data-table';
import { LoadedView } from '../../components/loading';
import { StatusMessage } from '../../components/status-message';
import { useLoad } from '../../components/use-load';
import { useApi } from '../../session/session';
import { formatDateTime, type SignedInSession } from './account-api';

/** Where the person is signed in, and a way to end a session left on another device. */
export function SessionsSection() {
  const api = useApi();
  const loaded = useLoad(
    (signal) => api.get<{ sessions: SignedInSession[] }>('/api/sessions', { signal }),
    [api],
  );
  const [message, setMessage] = useState('');

  async function revoke(session: SignedInSession) {
    await api.delete(`/api/sessions/${segment(session.id)}`);
    setMessage(`The session on ${session.deviceLabel} has ended.`);
    loaded.reload();
  }

  return (
    <section className="card" aria-labelledby="account-sessions-title">
      <h2 id="account-sessions-title">Signed-in sessions</h2>
      <StatusMessage message={message} />
      <LoadedView loaded={loaded}>
        {({ sessions }) => (
          <DataTable
            caption="Your signed-in sessions"
            className="sessions-table"
            columns={[
              { label: 'Device' },
              { label: 'Signed in', isHiddenOnPhone: true },
              { label: 'Last seen' },
              { label: 'Actions', isLabelHidden: true },
            ]}
          >
            {sessions.map((session) => (
              <tr key={session.id} aria-current={session.isCurrent ? 'true' : undefined}>
                <td>
                  {session.deviceLabel}
                  {session.isCurrent ? <span className="badge badge-current">This session</span> : null}
                </td>
                <td className="hide-on-phone">{formatDateTime(session.createdAt)}</td>
                <td>{formatDateTime(session.lastSeenAt)}</td>
                <td>
                  {session.isCurrent ? null : (
                    <ConfirmAction
                      label="End session"
                      accessibleLabel={`End session on ${session.deviceLabel}, last seen ${formatDateTime(session.lastSeenAt)}`}
                      title="End this session?"
                      confirmLabel="End it"
                      onConfirm={() => revoke(session)}
                    >
                      <p>
                        The session on {session.deviceLabel}, last seen {formatDateTime(session.lastSeenAt)},
                        is signed out at once.
                      </p>
                    </ConfirmAction>
                  )}
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </LoadedView>
    </section>
  );
}
