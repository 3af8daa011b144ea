import { ApiError } from '../../api/problem';
import { ClassificationBadge } from '../../components/classification-badge';
import { ErrorAlert } from '../../components/error-alert';
import { PageTitle } from '../../components/page-title';
import { TabNav } from '../../components/tab-nav';
import { useLoad } from '../../components/use-load';
import { Link } from '../../router';
import { useApi } from '../../session/session';
import { FolderView } from '../documents/folder-view';
import { MatterMembersTab } from './matter-members-tab';
import { MatterPartiesTab } from './matter-parties-tab';
import { MatterRequestsTab } from './matter-requests-tab';
import { MatterSettingsTab } from './matter-settings-tab';
import { apiMatterPath, type Matter, matterPath, roleLabels, statusLabels } from './matters-api';

type Tab = { id: string; label: string; isOwnersOnly: boolean };

const tabs: Tab[] = [
  { id: 'documents', label: 'Documents', isOwnersOnly: false },
  { id: 'members', label: 'Members', isOwnersOnly: false },
  { id: 'requests', label: 'Requests', isOwnersOnly: true },
  { id: 'parties', label: 'Parties', isOwnersOnly: false },
  { id: 'settings', label: 'Settings', isOwnersOnly: true },
];

/** A matter: its documents (folder view), members, access requests, parties and settings, by `tab`. */
export function MatterPage({
  matterId,
  tab,
  folderId,
}: {
  matterId: string;
  tab: string;
  folderId: string | undefined;
}) {
  const api = useApi();
  const loaded = useLoad((signal) => api.get<Matter>(apiMatterPath(matterId), { signal }), [matterId]);

  // The answer for the previous matter stays until the new one arrives: it must not pass for this one.
  if (loaded.state === 'loading' || (loaded.state === 'ready' && loaded.value.id !== matterId)) {
    return (
      <p className="muted" role="status">
        Loading…
      </p>
    );
  }
  if (loaded.state === 'failed') {
    // Hidden and missing matters answer alike (404), and so does this page.
    if (loaded.error instanceof ApiError && loaded.error.status === 404) return <MatterNotFound />;
    return (
      <>
        <PageTitle title="Matter">Matter</PageTitle>
        <ErrorAlert error={loaded.error} />
        <button type="button" onClick={loaded.reload}>
          Try again
        </button>
      </>
    );
  }
  const matter = loaded.value;
  const isOwner = matter.myRole === 'owner';
  const current = tabs.find((candidate) => candidate.id === tab);
  if (current === undefined) return <MatterNotFound />;
  return (
    <>
      <PageTitle title={`${matter.name} · ${current.label}`}>{matter.name}</PageTitle>
      <dl className="matter-facts">
        <div>
          <dt>Reference</dt>
          <dd className="mono">{matter.id}</dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd>{statusLabels[matter.status]}</dd>
        </div>
        <div>
          <dt>Classification</dt>
          <dd>
            <ClassificationBadge classification={matter.classification} />
          </dd>
        </div>
        {matter.myRole === undefined ? null : (
          <div>
            <dt>Your role</dt>
            <dd>{roleLabels[matter.myRole]}</dd>
          </div>
        )}
      </dl>
      <TabNav
        label="Matter sections"
        tabs={tabs.filter((candidate) => isOwner || !candidate.isOwnersOnly)}
        currentId={current.id}
        pathOf={(id) => (id === 'documents' ? matterPath(matter.id) : matterPath(matter.id, id))}
      />
      {current.isOwnersOnly && !isOwner ? (
        <p>Only the matter’s owners can see this.</p>
      ) : current.id === 'documents' ? (
        <FolderView matterId={matter.id} folderId={folderId} />
      ) : current.id === 'members' ? (
        <MatterMembersTab matter={matter} />
      ) : current.id === 'requests' ? (
        <MatterRequestsTab matter={matter} />
      ) : current.id === 'parties' ? (
        <MatterPartiesTab matter={matter} />
      ) : (
        <MatterSettingsTab matter={matter} onChanged={loaded.reload} />
      )}
    </>
  );
}

function MatterNotFound() {
  return (
    <>
      <PageTitle title="Not found">Nothing here</PageTitle>
      <p>
        This page does not exist, or you cannot see it. <Link to="/matters">Go to your matters</Link>.
      </p>
    </>
  );
}
