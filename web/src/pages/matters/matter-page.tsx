import { ClassificationBadge } from '../../components/classification-badge';
import { ErrorAlert } from '../../components/error-alert';
import { isDeadLink, NotFoundPage } from '../../components/not-found-page';
import { PageTitle } from '../../components/page-title';
import { TabNav } from '../../components/tab-nav';
import { useLoad } from '../../components/use-load';
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
    // Hidden and missing matters answer alike (404), and so does this page; so does a reference cut short.
    if (isDeadLink(loaded.error)) return <MatterNotFound />;
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
  if (folderId !== undefined && !folderIdPattern.test(folderId)) return <MatterNotFound />;
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
        <FolderView
          matterId={matter.id}
          folderId={folderId}
          canEdit={matter.myRole === 'owner' || matter.myRole === 'editor'}
        />
      ) : current.id === 'members' ? (
        <MatterMembersTab matter={matter} onMatterChanged={loaded.reload} />
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

/** The server's id pattern for folders (documents.schemas.ts idField): a link cut short matches nothing. */
const folderIdPattern = /^fld_[0-9a-z]{26}$/;

function MatterNotFound() {
  return <NotFoundPage backTo="/matters" backLabel="Go to your matters" />;
}
