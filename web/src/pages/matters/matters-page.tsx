import { useId, useState } from 'react';
import { ClassificationBadge } from '../../components/classification-badge';
import { DataTable } from '../../components/data-table';
import { LoadedView } from '../../components/loading';
import { PageTitle } from '../../components/page-title';
import { useLoad } from '../../components/use-load';
import { Link } from '../../router';
import { useApi, useSignedIn } from '../../session/session';
import { AskAccessForm } from './ask-access-form';
import { type Matter, matterPath, roleLabels, statusLabels } from './matters-api';
import { NewMatterForm } from './new-matter-form';
import { countByMatter, useWaitingRequests, waitingLabel } from './waiting-requests';

/** The matters the person is a member of, a filter over them, and the ways to a new one. */
export function MattersPage() {
  const api = useApi();
  const session = useSignedIn();
  const loaded = useLoad((signal) => api.get<{ matters: Matter[] }>('/api/matters', { signal }), []);
  const role = session.user.role;
  const waiting = useWaitingRequests(api, { isEnabled: true, key: 'matters' });
  const waitingCounts = countByMatter(waiting ?? []);
  return (
    <>
      <PageTitle title="Matters">Matters</PageTitle>
      <LoadedView loaded={loaded}>
        {({ matters }) => (
          <MatterList
            matters={matters}
            waitingCounts={waitingCounts}
            canAsk={role === 'lawyer' || role === 'assistant'}
          />
        )}
      </LoadedView>
      {role === 'lawyer' ? <NewMatterForm /> : null}
      {role === 'lawyer' || role === 'assistant' ? <AskAccessForm /> : null}
    </>
  );
}

function matches(matter: Matter, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const text = [
    matter.name,
    matter.id,
    statusLabels[matter.status],
    matter.classification.replace('_', ' '),
    matter.myRole ?? '',
  ]
    .join(' ')
    .toLowerCase();
  return words.every((word) => text.includes(word));
}

function MatterList({
  matters,
  waitingCounts,
  canAsk,
}: {
  matters: Matter[];
  /** Pending access requests per matter the person owns. */
  waitingCounts: Map<string, number>;
  canAsk: boolean;
}) {
  const [query, setQuery] = useState('');
  const filterId = useId();
  const shown = matters.filter((matter) => matches(matter, query));
  if (matters.length === 0) {
    return (
      <p>
        You are not a member of any matter yet.
        {canAsk
          ? ' Ask a colleague for a matter’s reference and request access below.'
          : ' The firm will add you to the matters that concern you.'}
      </p>
    );
  }
  return (
    <section aria-labelledby={`${filterId}-heading`}>
      <h2 id={`${filterId}-heading`} className="visually-hidden">
        Your matters
      </h2>
      <div className="form">
        <label htmlFor={filterId}>Filter matters</label>
        <input
          id={filterId}
          type="search"
          value={query}
          aria-describedby={`${filterId}-count`}
          onChange={(event) => setQuery(event.target.value)}
        />
        <p id={`${filterId}-count`} className="help" role="status">
          {shown.length === matters.length
            ? `${matters.length} ${matters.length === 1 ? 'matter' : 'matters'}`
            : `${shown.length} of ${matters.length} matters match`}
        </p>
      </div>
      <DataTable
        className="matters-table"
        columns={[
          { label: 'Matter' },
          { label: 'Status' },
          { label: 'Classification' },
          { label: 'Your role', isHiddenOnPhone: true },
        ]}
      >
        {shown.map((matter) => (
          <tr key={matter.id}>
            <td>
              <Link to={matterPath(matter.id)}>{matter.name}</Link>
              <WaitingBadge matterId={matter.id} count={waitingCounts.get(matter.id) ?? 0} />
              <div className="mono muted">{matter.id}</div>
            </td>
            <td>{statusLabels[matter.status]}</td>
            <td>
              <ClassificationBadge classification={matter.classification} />
            </td>
            <td className="hide-on-phone">{matter.myRole === undefined ? '—' : roleLabels[matter.myRole]}</td>
          </tr>
        ))}
      </DataTable>
    </section>
  );
}

function WaitingBadge({ matterId, count }: { matterId: string; count: number }) {
  if (count === 0) return null;
  return (
    <Link to={matterPath(matterId, 'requests')} className="badge matter-waiting">
      {waitingLabel(count)}
    </Link>
  );
}
