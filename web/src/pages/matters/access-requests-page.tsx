import { useState } from 'react';
import { segment } from '../../api/client';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { DataTable } from '../../components/data-table';
import { LoadedView } from '../../components/loading';
import { PageTitle } from '../../components/page-title';
import { StatusMessage } from '../../components/status-message';
import { useAction } from '../../components/use-action';
import { useLoad } from '../../components/use-load';
import { Link } from '../../router';
import { useApi, useSignedIn } from '../../session/session';
import { RequestCard } from './matter-requests-tab';
import {
  formatDate,
  formatDateTime,
  type MyRequest,
  matterPath,
  roleLabels,
  usernamesOf,
} from './matters-api';
import { listWaitingRequests } from './waiting-requests';

const statusTexts: Record<MyRequest['status'], string> = {
  pending: 'Waiting for the owners',
  approved: 'Approved',
  denied: 'Denied',
  withdrawn: 'Withdrawn',
};

/**
 * Requests waiting for the person's decision, across the matters they own, then their own requests and
 * where each stands; a pending one can be withdrawn.
 */
export function AccessRequestsPage() {
  const session = useSignedIn();
  const isStaff = session.user.role === 'lawyer' || session.user.role === 'assistant';
  return (
    <>
      <PageTitle title="Access requests">Access requests</PageTitle>
      <WaitingSection isShownWhenEmpty={isStaff} />
      <MyRequestsSection />
    </>
  );
}

/** Pending requests on every matter the person owns, each decided here as on the matter's own tab. */
function WaitingSection({ isShownWhenEmpty }: { isShownWhenEmpty: boolean }) {
  const api = useApi();
  const [notice, setNotice] = useState('');
  const loaded = useLoad(async (signal) => {
    const waiting = await listWaitingRequests(api, signal);
    const names = await usernamesOf(
      api,
      waiting.map(({ request }) => request.requesterId),
      signal,
    );
    return { waiting, names };
  }, []);
  if (!isShownWhenEmpty && loaded.state === 'ready' && loaded.value.waiting.length === 0 && notice === '')
    return null;
  return (
    <section aria-labelledby="waiting-heading">
      <h2 id="waiting-heading">Requests waiting for you</h2>
      <StatusMessage message={notice} />
      <LoadedView loaded={loaded}>
        {({ waiting, names }) =>
          waiting.length === 0 ? (
            <p>No access requests are waiting for you on the matters you own.</p>
          ) : (
            <ul className="request-list">
              {waiting.map(({ matter, request }) => (
                <RequestCard
                  key={request.id}
                  matter={matter}
                  request={request}
                  name={names.get(request.requesterId) ?? request.requesterId}
                  isMatterNamed
                  onDecided={(message) => {
                    setNotice(message);
                    loaded.reload();
                  }}
                />
              ))}
            </ul>
          )
        }
      </LoadedView>
    </section>
  );
}

function MyRequestsSection() {
  const api = useApi();
  const [notice, setNotice] = useState('');
  const loaded = useLoad(
    (signal) => api.get<{ requests: MyRequest[] }>('/api/access-requests', { signal }),
    [],
  );
  return (
    <section aria-labelledby="mine-heading">
      <h2 id="mine-heading">Requests you sent</h2>
      <p>
        Requests you sent for access to matters. To ask for another, use the form on{' '}
        <Link to="/matters">Matters</Link>.
      </p>
      <StatusMessage message={notice} />
      <LoadedView loaded={loaded}>
        {({ requests }) =>
          requests.length === 0 ? (
            <p>You have not asked for access to any matter.</p>
          ) : (
            <DataTable
              columns={[
                { label: 'Matter' },
                { label: 'Role', isHiddenOnPhone: true },
                { label: 'Status' },
                { label: 'Asked', isHiddenOnPhone: true },
                { label: 'Actions', isLabelHidden: true },
              ]}
            >
              {requests.map((request) => (
                <tr key={request.id}>
                  <td>
                    {request.matterName === undefined ? (
                      <span className="mono">{request.matterId}</span>
                    ) : (
                      <Link to={matterPath(request.matterId)}>{request.matterName}</Link>
                    )}
                  </td>
                  <td className="hide-on-phone">{roleLabels[request.role]}</td>
                  <td>
                    <span className={`request-status request-${request.status}`}>
                      {statusTexts[request.status]}
                    </span>
                    {request.status === 'approved' && request.expiresAt !== undefined ? (
                      <div className="help">until {formatDate(request.expiresAt)}</div>
                    ) : null}
                  </td>
                  <td className="hide-on-phone">{formatDateTime(request.createdAt)}</td>
                  <td>
                    {request.status === 'pending' ? (
                      <WithdrawRequest
                        request={request}
                        onWithdrawn={() => {
                          setNotice('Your request was withdrawn.');
                          loaded.reload();
                        }}
                      />
                    ) : null}
                  </td>
                </tr>
              ))}
            </DataTable>
          )
        }
      </LoadedView>
    </section>
  );
}

function WithdrawRequest({ request, onWithdrawn }: { request: MyRequest; onWithdrawn: () => void }) {
  const api = useApi();
  const [isConfirming, setIsConfirming] = useState(false);
  const { isBusy: isSending, error, run } = useAction();

  function withdraw() {
    void run(async () => {
      await api.post(
        `/api/matters/${segment(request.matterId)}/access-requests/${segment(request.id)}/withdraw`,
        {},
      );
      setIsConfirming(false);
      onWithdrawn();
    });
  }

  return (
    <>
      <button type="button" className="button-quiet" onClick={() => setIsConfirming(true)}>
        Withdraw<span className="visually-hidden"> the request for {request.matterId}</span>
      </button>
      {isConfirming ? (
        <ConfirmDialog
          title="Withdraw this request?"
          confirmLabel="Withdraw"
          isBusy={isSending}
          error={error}
          onConfirm={withdraw}
          onClose={() => setIsConfirming(false)}
        >
          <p>The matter’s owners will no longer see it. You can ask again later.</p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}
