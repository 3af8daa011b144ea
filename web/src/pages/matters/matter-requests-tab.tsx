import { useState } from 'react';
import { segment } from '../../api/client';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { ErrorAlert } from '../../components/error-alert';
import { LoadedView } from '../../components/loading';
import { StatusMessage } from '../../components/status-message';
import { useAction } from '../../components/use-action';
import { useLoad } from '../../components/use-load';
import { Link } from '../../router';
import { useApi } from '../../session/session';
import {
  apiMatterPath,
  endOfDay,
  matterPath,
  formatDateTime,
  type Matter,
  type PendingRequest,
  roleLabels,
  today,
  usernamesOf,
} from './matters-api';
import { announceRequestsChanged } from './waiting-requests';

/**
 * Pending access requests (owners): approve, optionally until a date, or deny. The role is the one asked
 * for; to give another, approve and change it on the members tab.
 */
export function MatterRequestsTab({ matter }: { matter: Matter }) {
  const api = useApi();
  const [notice, setNotice] = useState('');
  const loaded = useLoad(
    async (signal) => {
      const { requests } = await api.get<{ requests: PendingRequest[] }>(
        apiMatterPath(matter.id, '/access-requests'),
        { signal },
      );
      return {
        requests,
        names: await usernamesOf(
          api,
          requests.map((request) => request.requesterId),
          signal,
        ),
      };
    },
    [matter.id],
  );

  function decided(message: string) {
    setNotice(message);
    loaded.reload();
  }

  return (
    <section aria-labelledby="requests-heading">
      <h2 id="requests-heading">Access requests</h2>
      <StatusMessage message={notice} />
      <LoadedView loaded={loaded}>
        {({ requests, names }) =>
          requests.length === 0 ? (
            <p>No pending requests.</p>
          ) : (
            <ul className="request-list">
              {requests.map((request) => (
                <RequestCard
                  key={request.id}
                  matter={matter}
                  request={request}
                  name={names.get(request.requesterId) ?? request.requesterId}
                  onDecided={decided}
                />
              ))}
            </ul>
          )
        }
      </LoadedView>
    </section>
  );
}

/** One pending request with its decision; `isMatterNamed` when the page lists several matters' requests. */
export function RequestCard({
  matter,
  request,
  name,
  isMatterNamed = false,
  onDecided,
}: {
  matter: Matter;
  request: PendingRequest;
  name: string;
  isMatterNamed?: boolean;
  onDecided: (message: string) => void;
}) {
  const api = useApi();
  const [until, setUntil] = useState('');
  const [isDenying, setIsDenying] = useState(false);
  const { isBusy: isSending, error, run } = useAction();
  const path = apiMatterPath(matter.id, `/access-requests/${segment(request.id)}`);
  const untilId = `until-${request.id}`;

  async function decide(action: 'approve' | 'deny') {
    const body = action === 'approve' && until !== '' ? { expiresAt: endOfDay(until) } : {};
    if (!(await run(() => api.post(`${path}/${action}`, body)))) return;
    setIsDenying(false);
    announceRequestsChanged();
    onDecided(
      action === 'approve'
        ? `${name} is now ${roleLabels[request.role].toLowerCase()} of ${isMatterNamed ? matter.name : 'this matter'}.`
        : `The request of ${name} was denied.`,
    );
  }

  return (
    <li className="card" aria-labelledby={`request-${request.id}`}>
      <h3 id={`request-${request.id}`}>
        {name} asks to be {roleLabels[request.role].toLowerCase()}
        {isMatterNamed ? ` of ${matter.name}` : null}
      </h3>
      {isMatterNamed ? (
        <p>
          <Link to={matterPath(matter.id)}>Open {matter.name}</Link>
        </p>
      ) : null}
      <p className="muted">Asked {formatDateTime(request.createdAt)}</p>
      <blockquote className="request-reason">{request.reason}</blockquote>
      <div className="form-inline">
        <div className="form">
          <label htmlFor={untilId}>Access until (optional)</label>
          <input
            id={untilId}
            type="date"
            min={today()}
            value={until}
            onChange={(event) => setUntil(event.target.value)}
          />
        </div>
        <button type="button" disabled={isSending} onClick={() => void decide('approve')}>
          Approve<span className="visually-hidden"> {name}</span>
        </button>
        <button type="button" className="button-secondary" onClick={() => setIsDenying(true)}>
          Deny<span className="visually-hidden"> {name}</span>
        </button>
      </div>
      {isDenying ? null : <ErrorAlert error={error} />}
      {isDenying ? (
        <ConfirmDialog
          title={`Deny ${name}’s request?`}
          confirmLabel="Deny"
          isBusy={isSending}
          error={error}
          onConfirm={() => void decide('deny')}
          onClose={() => setIsDenying(false)}
        >
          <p>{name} will be told the request was denied (without a reason) and may ask again.</p>
        </ConfirmDialog>
      ) : null}
    </li>
  );
}
