import { type SubmitEvent, useState } from 'react';
import { segment } from '../../api/client';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { DataTable } from '../../components/data-table';
import { ErrorAlert } from '../../components/error-alert';
import { LoadedView } from '../../components/loading';
import { StatusMessage } from '../../components/status-message';
import { useAction } from '../../components/use-action';
import { useLoad } from '../../components/use-load';
import type { Role } from '../../session/session';
import { useApi } from '../../session/session';
import { formatTime, type Invitation, type InvitationCreated, roleLabels, roles } from './admin-api';
import { OneTimeLink } from './one-time-link';

const statusLabels: Record<Invitation['status'], string> = {
  open: 'Open',
  expired: 'Expired',
  accepted: 'Accepted',
  revoked: 'Withdrawn',
};

/** Invitations: a single-use link for a role, shown once; the list of recent ones; withdrawing one. */
export function InvitationsSection() {
  const api = useApi();
  const loaded = useLoad(
    (signal) => api.get<{ invitations: Invitation[] }>('/api/admin/invitations', { signal }),
    [api],
  );
  const [role, setRole] = useState<Role>('lawyer');
  const { isBusy: busy, error, run } = useAction();
  const [message, setMessage] = useState('');
  const [created, setCreated] = useState<InvitationCreated | undefined>(undefined);
  const [revoking, setRevoking] = useState<Invitation | undefined>(undefined);

  function create(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    setMessage('');
    void run(async () => {
      const result = await api.post<InvitationCreated>('/api/admin/invitations', { role });
      setCreated(result);
      const label = roleLabels[result.invitation.role].toLowerCase();
      setMessage(`Invitation for ${/^[aeiou]/.test(label) ? 'an' : 'a'} ${label} created.`);
      loaded.reload();
    });
  }

  function revoke() {
    if (revoking === undefined) return;
    setMessage('');
    void run(async () => {
      await api.delete(`/api/admin/invitations/${segment(revoking.id)}`);
      setMessage('The invitation is withdrawn: its link no longer works.');
      loaded.reload();
    }).then(() => setRevoking(undefined));
  }

  return (
    <section aria-labelledby="invitations-heading">
      <h2 id="invitations-heading">Invitations</h2>
      <form className="form-inline" onSubmit={create}>
        <div className="form">
          <label htmlFor="invite-role">Role of the new account</label>
          <select id="invite-role" value={role} onChange={(event) => setRole(event.target.value as Role)}>
            {roles.map((each) => (
              <option key={each} value={each}>
                {roleLabels[each]}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" disabled={busy}>
          Create invitation
        </button>
      </form>
      <p className="help">
        The invited person opens the link, chooses a username and password (and, if they like, an e-mail
        address), then sets up a second factor. Writ does not send the link: hand it over yourself.
      </p>
      <StatusMessage message={message} />
      <ErrorAlert error={error} />
      {created !== undefined ? (
        <OneTimeLink
          label={`Invitation link (${roleLabels[created.invitation.role]})`}
          link={created.link}
          expiresAt={created.invitation.expiresAt}
        />
      ) : null}
      <h3>Recent invitations</h3>
      <LoadedView loaded={loaded}>
        {({ invitations }) =>
          invitations.length === 0 ? (
            <p className="muted">No invitations yet.</p>
          ) : (
            <DataTable
              caption="Recent invitations"
              columns={[
                { label: 'Role' },
                { label: 'Status' },
                { label: 'Created', isHiddenOnPhone: true },
                { label: 'Expires' },
                { label: 'Actions' },
              ]}
            >
              {invitations.map((invitation) => (
                <tr key={invitation.id}>
                  <td>{roleLabels[invitation.role]}</td>
                  <td>{statusLabels[invitation.status]}</td>
                  <td className="hide-on-phone">{formatTime(invitation.createdAt)}</td>
                  <td>{formatTime(invitation.expiresAt)}</td>
                  <td>
                    {invitation.status === 'open' ? (
                      <button type="button" className="button-quiet" onClick={() => setRevoking(invitation)}>
                        Withdraw{' '}
                        <span className="visually-hidden">
                          the {roleLabels[invitation.role].toLowerCase()} invitation of{' '}
                          {formatTime(invitation.createdAt)}
                        </span>
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </DataTable>
          )
        }
      </LoadedView>
      {revoking !== undefined ? (
        <ConfirmDialog
          title="Withdraw this invitation?"
          confirmLabel="Withdraw invitation"
          isBusy={busy}
          onConfirm={revoke}
          onClose={() => setRevoking(undefined)}
        >
          <p>Its link stops working at once. You can create a new one later.</p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
