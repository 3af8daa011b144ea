import { useState } from 'react';
import { segment } from '../../api/client';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { DataTable } from '../../components/data-table';
import { ErrorAlert } from '../../components/error-alert';
import { LoadedView } from '../../components/loading';
import { StatusMessage } from '../../components/status-message';
import { useAction } from '../../components/use-action';
import { useLoad } from '../../components/use-load';
import { useApi, useSignedIn } from '../../session/session';
import {
  type AccountUnlocked,
  formatTime,
  type PasswordResetIssued,
  roleLabels,
  type UserList,
  type UserSummary,
} from './admin-api';
import { OneTimeLink } from './one-time-link';

type Pending = { act: 'disable' | 'enable' | 'reset' | 'sessions' | 'unlock'; user: UserSummary };

const pageSize = 100;

/** Accounts: status, second factor, lockout; disable and enable, end sessions, issue a reset link. */
export function UsersSection() {
  const api = useApi();
  const loaded = useLoad(
    (signal) => api.get<UserList>(`/api/admin/users?limit=${pageSize}`, { signal }),
    [api],
  );
  return <LoadedView loaded={loaded}>{(first) => <UserTable first={first} />}</LoadedView>;
}

function UserTable({ first }: { first: UserList }) {
  const api = useApi();
  const session = useSignedIn();
  const [users, setUsers] = useState(first.users);
  const [nextAfter, setNextAfter] = useState(first.nextAfter);
  const [pending, setPending] = useState<Pending | undefined>(undefined);
  const { isBusy: busy, error, run } = useAction();
  const [message, setMessage] = useState('');
  const [reset, setReset] = useState<{ username: string; issued: PasswordResetIssued } | undefined>();

  function loadMore() {
    if (nextAfter === undefined) return;
    void run(async () => {
      const page = await api.get<UserList>(
        `/api/admin/users?limit=${pageSize}&after=${encodeURIComponent(nextAfter)}`,
      );
      setUsers((current) => [...current, ...page.users]);
      setNextAfter(page.nextAfter);
    });
  }

  async function perform({ act, user }: Pending): Promise<string> {
    const base = `/api/admin/users/${segment(user.id)}`;
    if (act === 'disable' || act === 'enable') {
      const result = await api.post<{ userId: string; status: UserSummary['status'] }>(`${base}/${act}`, {});
      setUsers((current) =>
        current.map((each) => (each.id === result.userId ? { ...each, status: result.status } : each)),
      );
      return act === 'disable'
        ? `${user.username} is disabled: they cannot sign in, and their sessions and API tokens ended.`
        : `${user.username} is enabled and can sign in again.`;
    }
    if (act === 'unlock') {
      const { wasLocked } = await api.post<AccountUnlocked>(`${base}/unlock`, {});
      setUsers((current) =>
        current.map((each) =>
          each.id === user.id ? { ...each, isLocked: false, lockedUntil: undefined } : each,
        ),
      );
      return wasLocked
        ? `${user.username} is unlocked and may try to sign in again.`
        : `${user.username} was no longer locked out.`;
    }
    if (act === 'sessions') {
      const { count } = await api.post<{ count: number }>(`${base}/sessions/revoke`, {});
      return `${count} session${count === 1 ? '' : 's'} of ${user.username} ended.`;
    }
    const issued = await api.post<PasswordResetIssued>(`${base}/password-reset`, {});
    setReset({ username: user.username, issued });
    return `A password-reset link for ${user.username} is ready below.`;
  }

  function confirm() {
    if (pending === undefined) return;
    setMessage('');
    // The dialog closes either way; a failure shows above the list.
    void run(async () => setMessage(await perform(pending))).then(() => setPending(undefined));
  }

  return (
    <section aria-labelledby="users-heading">
      <h2 id="users-heading">Users</h2>
      <p className="muted">
        Administrators manage accounts only: nothing here opens a matter or its documents.
      </p>
      <StatusMessage message={message} />
      <ErrorAlert error={error} />
      {reset !== undefined ? (
        <OneTimeLink
          label={`Password-reset link for ${reset.username}`}
          link={reset.issued.link}
          expiresAt={reset.issued.expiresAt}
        />
      ) : null}
      <DataTable
        className="users-table"
        caption="Accounts, by username"
        columns={[
          { label: 'Username' },
          { label: 'Role' },
          { label: 'Status' },
          { label: 'Second factor' },
          { label: 'Sign-in' },
          { label: 'Last sign-in', isHiddenOnPhone: true },
          { label: 'Created', isHiddenOnPhone: true },
          { label: 'Actions' },
        ]}
      >
        {users.map((user) => (
          <tr key={user.id}>
            <th scope="row">
              {user.username}
              {user.id === session.user.id ? <span className="muted"> (you)</span> : null}
            </th>
            <td data-label="Role">{roleLabels[user.role]}</td>
            <td data-label="Status">
              <span className={user.status === 'active' ? 'status-ok' : 'status-bad'}>
                {user.status === 'active' ? 'Active' : 'Disabled'}
              </span>
            </td>
            <td data-label="Second factor">{user.isMfaEnrolled ? 'Enrolled' : 'Not enrolled'}</td>
            <td data-label="Sign-in">
              {user.isLocked ? (
                <>
                  <span className="status-bad">Locked out</span>{' '}
                  <span className="muted">
                    (too many failed attempts
                    {user.lockedUntil === undefined ? '' : `; until ${formatTime(user.lockedUntil)}`})
                  </span>
                </>
              ) : (
                'Not locked'
              )}
            </td>
            <td className="hide-on-phone" data-label="Last sign-in">
              {user.lastSignInAt === undefined ? (
                <span className="muted">Never</span>
              ) : (
                formatTime(user.lastSignInAt)
              )}
            </td>
            <td className="hide-on-phone" data-label="Created">
              {formatTime(user.createdAt)}
            </td>
            <td data-label="Actions">
              <div className="actions">
                {user.status === 'active' ? (
                  user.id === session.user.id ? null : (
                    <button
                      type="button"
                      className="button-quiet"
                      onClick={() => setPending({ act: 'disable', user })}
                    >
                      Disable <span className="visually-hidden">{user.username}</span>
                    </button>
                  )
                ) : (
                  <button
                    type="button"
                    className="button-quiet"
                    onClick={() => setPending({ act: 'enable', user })}
                  >
                    Enable <span className="visually-hidden">{user.username}</span>
                  </button>
                )}
                {user.isLocked ? (
                  <button
                    type="button"
                    className="button-quiet"
                    onClick={() => setPending({ act: 'unlock', user })}
                  >
                    Unlock <span className="visually-hidden">{user.username}</span>
                  </button>
                ) : null}
                <button
                  type="button"
                  className="button-quiet"
                  onClick={() => setPending({ act: 'reset', user })}
                >
                  Reset password <span className="visually-hidden">of {user.username}</span>
                </button>
                <button
                  type="button"
                  className="button-quiet"
                  onClick={() => setPending({ act: 'sessions', user })}
                >
                  End sessions <span className="visually-hidden">of {user.username}</span>
                </button>
              </div>
            </td>
          </tr>
        ))}
      </DataTable>
      {nextAfter !== undefined ? (
        <p>
          <button type="button" className="button-secondary" onClick={loadMore}>
            Show more accounts
          </button>
        </p>
      ) : null}
      <p className="help">
        A locked-out account unlocks by itself when its wait ends (each further failed attempt doubles it, up
        to the configured lockout); Unlock ends it early.
      </p>
      {pending !== undefined ? (
        <PendingDialog
          pending={pending}
          busy={busy}
          onConfirm={confirm}
          onClose={() => setPending(undefined)}
        />
      ) : null}
    </section>
  );
}

function PendingDialog({
  pending: { act, user },
  busy,
  onConfirm,
  onClose,
}: {
  pending: Pending;
  busy: boolean;
  onConfirm: () => void;
  onClose: () => void;
}) {
  const texts = {
    disable: {
      title: `Disable ${user.username}?`,
      body: 'They can no longer sign in; their sessions end and their API tokens are revoked for good. You can enable the account again later.',
      confirm: 'Disable account',
      isDanger: true,
    },
    enable: {
      title: `Enable ${user.username}?`,
      body: 'They can sign in again. Sessions and API tokens ended when the account was disabled stay ended.',
      confirm: 'Enable account',
      isDanger: false,
    },
    reset: {
      title: `Reset the password of ${user.username}?`,
      body: 'Writ makes a single-use link, shown to you once, with which they choose a new password. Their current password keeps working until then.',
      confirm: 'Make reset link',
      isDanger: false,
    },
    unlock: {
      title: `Unlock ${user.username}?`,
      body: 'The lockout ends now and their failed attempts are forgotten. Do this only once you know the attempts were theirs (they called you): a lockout is what stops password guessing. The network the attempts came from stays throttled.',
      confirm: 'Unlock account',
      isDanger: false,
    },
    sessions: {
      title: `End every session of ${user.username}?`,
      body: 'They are signed out everywhere (a lost laptop, a suspected intrusion) and must sign in again.',
      confirm: 'End sessions',
      isDanger: true,
    },
  }[act];
  return (
    <ConfirmDialog
      title={texts.title}
      confirmLabel={texts.confirm}
      isDanger={texts.isDanger}
      isBusy={busy}
      onConfirm={onConfirm}
      onClose={onClose}
    >
      <p>{texts.body}</p>
    </ConfirmDialog>
  );
}
