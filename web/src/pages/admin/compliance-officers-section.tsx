import { useState } from 'react';
import { type ApiClient, segment } from '../../api/client';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { DataTable } from '../../components/data-table';
import { ErrorAlert } from '../../components/error-alert';
import { LoadedView } from '../../components/loading';
import { StatusMessage } from '../../components/status-message';
import { useAction } from '../../components/use-action';
import { useLoad } from '../../components/use-load';
import { useApi } from '../../session/session';
import {
  type ComplianceOfficer,
  type ComplianceOfficerList,
  formatTime,
  type UserList,
  type UserSummary,
} from './admin-api';

/** Every auditor account, a page at a time (the list API has no role filter). */
async function loadAuditors(api: ApiClient, signal: AbortSignal): Promise<UserSummary[]> {
  const auditors: UserSummary[] = [];
  let after: string | undefined;
  for (let page = 0; page < 20; page += 1) {
    const query = after === undefined ? '' : `&after=${encodeURIComponent(after)}`;
    const list = await api.get<UserList>(`/api/admin/users?limit=200${query}`, { signal });
    auditors.push(...list.users.filter((user) => user.role === 'auditor'));
    if (list.nextAfter === undefined) break;
    after = list.nextAfter;
  }
  return auditors;
}

type Pending = { act: 'grant' | 'remove'; user: UserSummary };

/** Compliance officers: auditors an administrator designates, who may then raise and lift ethical walls. */
export function ComplianceOfficersSection() {
  const api = useApi();
  const loaded = useLoad(
    async (signal) => {
      const [auditors, { officers }] = await Promise.all([
        loadAuditors(api, signal),
        api.get<ComplianceOfficerList>('/api/admin/compliance-officers', { signal }),
      ]);
      const designatedAt = new Map(officers.map((officer) => [officer.userId, officer.designatedAt]));
      return { auditors, designatedAt };
    },
    [api],
  );
  const [pending, setPending] = useState<Pending | undefined>(undefined);
  const { isBusy: busy, error, run } = useAction();
  const [message, setMessage] = useState('');

  function confirm() {
    if (pending === undefined) return;
    const { act, user } = pending;
    const path = `/api/admin/compliance-officers/${segment(user.id)}`;
    setMessage('');
    void run(async () => {
      await (act === 'grant' ? api.put<ComplianceOfficer>(path, {}) : api.delete(path));
      loaded.reload();
      setMessage(
        act === 'grant'
          ? `${user.username} is a compliance officer: they may raise and lift ethical walls.`
          : `${user.username} is no longer a compliance officer.`,
      );
    }).then(() => setPending(undefined));
  }

  return (
    <section aria-labelledby="compliance-officers-heading">
      <h2 id="compliance-officers-heading">Compliance officers</h2>
      <p className="muted">
        A compliance officer is an auditor who may screen people from matters (ethical walls). The designation
        gives no access to any matter&apos;s content; each change is recorded on the ledger.
      </p>
      <StatusMessage message={message} />
      <ErrorAlert error={error} />
      <LoadedView loaded={loaded}>
        {({ auditors, designatedAt }) =>
          auditors.length === 0 ? (
            <p className="muted">There is no auditor account yet. Invite one (role Auditor) first.</p>
          ) : (
            <DataTable
              caption="Auditor accounts"
              columns={[{ label: 'Auditor' }, { label: 'Compliance officer' }, { label: 'Actions' }]}
            >
              {auditors.map((user) => (
                <tr key={user.id}>
                  <th scope="row">
                    {user.username}
                    {user.status === 'disabled' ? <span className="muted"> (disabled)</span> : null}
                  </th>
                  <td>
                    {designatedAt.has(user.id) ? (
                      <span className="status-ok">
                        Yes, since {formatTime(designatedAt.get(user.id) ?? '')}
                      </span>
                    ) : (
                      'No'
                    )}
                  </td>
                  <td>
                    {designatedAt.has(user.id) ? (
                      <button
                        type="button"
                        className="button-quiet"
                        onClick={() => setPending({ act: 'remove', user })}
                      >
                        Remove compliance officer <span className="visually-hidden">{user.username}</span>
                      </button>
                    ) : (
                      <button
                        type="button"
                        className="button-quiet"
                        onClick={() => setPending({ act: 'grant', user })}
                      >
                        Make compliance officer <span className="visually-hidden">{user.username}</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </DataTable>
          )
        }
      </LoadedView>
      {pending !== undefined ? (
        <ConfirmDialog
          title={
            pending.act === 'grant'
              ? `Make ${pending.user.username} a compliance officer?`
              : `Remove ${pending.user.username} as compliance officer?`
          }
          confirmLabel={pending.act === 'grant' ? 'Make compliance officer' : 'Remove compliance officer'}
          isDanger={pending.act === 'remove'}
          isBusy={busy}
          onConfirm={confirm}
          onClose={() => setPending(undefined)}
        >
          <p>
            {pending.act === 'grant'
              ? 'They will be able to raise and lift ethical walls on any matter. Writ may ask you to confirm your second factor.'
              : 'They can no longer raise or lift walls; the walls they raised stay in force.'}
          </p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
