import { type SubmitEvent, useState } from 'react';
import { segment } from '../../api/client';
import { ErrorAlert } from '../../components/error-alert';
import { LoadedView } from '../../components/loading';
import { useLoad } from '../../components/use-load';
import type { Role } from '../../session/session';
import { useApi } from '../../session/session';
import { formatTime, type Invitation, type InvitationCreated, roleLabels, roles } from './admin-api';
import { ConfirmDialog } from './confirm-dialog';
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
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [message, setMessage] = useState('');
  const [created, setCreated] = useState<InvitationCreated | undefined>(undefined);
  const [revoking, setRevoking] = useState<Invitation | undefined>(undefined);

  function create(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setMessage('');
    api.post<InvitationCreated>('/api/admin/invitations', { role }).then(
      (result) => {
        setCreated(result);
        setMessage(`Invitation for a ${roleLabels[result.invitation.role].toLowerCase()} created.`);
        setBusy(false);
        loaded.reload();
      },
      (caught: unknown) => {
        setError(caught);
        setBusy(false);
      },
    );
  }

  function revoke() {
    if (revoking === undefined) return;
    setBusy(true);
    setError(undefined);
    setMessage('');
    api.delete(`/api/admin/invitations/${segment(revoking.id)}`).then(
      () => {
        setMessage('The invitation is withdrawn: its link no longer works.');
        setRevoking(undefined);
        setBusy(false);
        loaded.reload();
      },
      (caught: unknown) => {
        setError(caught);
        setRevoking(undefined);
        setBusy(false);
      },
    );
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
      <p role="status" className={message === '' ? undefined : 'alert alert-success'}>
        {message}
      </p>
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
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">Recent invitations</caption>
                <thead>
                  <tr>
                    <th scope="col">Role</th>
                    <th scope="col">Status</th>
                    <th scope="col" className="hide-on-phone">
                      Created
                    </th>
                    <th scope="col">Expires</th>
                    <th scope="col">Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {invitations.map((invitation) => (
                    <tr key={invitation.id}>
                      <td>{roleLabels[invitation.role]}</td>
                      <td>{statusLabels[invitation.status]}</td>
                      <td className="hide-on-phone">{formatTime(invitation.createdAt)}</td>
                      <td>{formatTime(invitation.expiresAt)}</td>
                      <td>
                        {invitation.status === 'open' ? (
                          <button
                            type="button"
                            className="button-quiet"
                            onClick={() => setRevoking(invitation)}
                          >
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
                </tbody>
              </table>
            </div>
          )
        }
      </LoadedView>
      {revoking !== undefined ? (
        <ConfirmDialog
          title="Withdraw this invitation?"
          confirmLabel="Withdraw invitation"
          busy={busy}
          onConfirm={revoke}
          onClose={() => setRevoking(undefined)}
        >
          <p>Its link stops working at once. You can create a new one later.</p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
