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
import { useApi } from '../../session/session';
import { formatDate, formatDateTime, type MyRequest, matterPath, roleLabels } from './matters-api';

const statusTexts: Record<MyRequest['status'], string> = {
  pending: 'Waiting for the owners',
  approved: 'Approved',
  denied: 'Denied',
  withdrawn: 'Withdrawn',
};

/** The person's own access requests and where each stands; a pending one can be withdrawn. */
export function AccessRequestsPage() {
  const api = useApi();
  const [notice, setNotice] = useState('');
  const loaded = useLoad(
    (signal) => api.get<{ requests: MyRequest[] }>('/api/access-requests', { signal }),
    [],
  );
  return (
    <>
      <PageTitle title="My access requests">My access requests</PageTitle>
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
    </>
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
