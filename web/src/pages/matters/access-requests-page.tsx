import { useState } from 'react';
import { segment } from '../../api/client';
import { Dialog } from '../../components/dialog';
import { ErrorAlert } from '../../components/error-alert';
import { LoadedView } from '../../components/loading';
import { PageTitle } from '../../components/page-title';
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
      <div role="status">{notice === '' ? null : <p className="alert alert-success">{notice}</p>}</div>
      <LoadedView loaded={loaded}>
        {({ requests }) =>
          requests.length === 0 ? (
            <p>You have not asked for access to any matter.</p>
          ) : (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Matter</th>
                    <th scope="col" className="hide-on-phone">
                      Role
                    </th>
                    <th scope="col">Status</th>
                    <th scope="col" className="hide-on-phone">
                      Asked
                    </th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
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
                </tbody>
              </table>
            </div>
          )
        }
      </LoadedView>
    </>
  );
}

function WithdrawRequest({ request, onWithdrawn }: { request: MyRequest; onWithdrawn: () => void }) {
  const api = useApi();
  const [isConfirming, setIsConfirming] = useState(false);
  const [isSending, setIsSending] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  function withdraw() {
    setIsSending(true);
    setError(undefined);
    api
      .post(`/api/matters/${segment(request.matterId)}/access-requests/${segment(request.id)}/withdraw`, {})
      .then(
        () => {
          setIsSending(false);
          setIsConfirming(false);
          onWithdrawn();
        },
        (caught: unknown) => {
          setIsSending(false);
          setError(caught);
        },
      );
  }

  return (
    <>
      <button type="button" className="button-quiet" onClick={() => setIsConfirming(true)}>
        Withdraw<span className="visually-hidden"> the request for {request.matterId}</span>
      </button>
      {isConfirming ? (
        <Dialog title="Withdraw this request?" onClose={() => setIsConfirming(false)}>
          <p>The matter’s owners will no longer see it. You can ask again later.</p>
          <ErrorAlert error={error} />
          <div className="actions">
            <button type="button" className="button-danger" disabled={isSending} onClick={withdraw}>
              Withdraw
            </button>
            <button type="button" className="button-secondary" onClick={() => setIsConfirming(false)}>
              Cancel
            </button>
          </div>
        </Dialog>
      ) : null}
    </>
  );
}
