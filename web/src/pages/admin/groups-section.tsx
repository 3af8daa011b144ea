import { type SubmitEvent, useState } from 'react';
import { type ApiClient, segment } from '../../api/client';
import { ApiError } from '../../api/problem';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { DataTable } from '../../components/data-table';
import { ErrorAlert } from '../../components/error-alert';
import { LoadedView } from '../../components/loading';
import { StatusMessage } from '../../components/status-message';
import { useAction } from '../../components/use-action';
import { useLoad } from '../../components/use-load';
import { useApi } from '../../session/session';
import { formatTime } from './admin-api';

/** identity.groups.schemas.ts `groupResponse` and `groupListResponse`. */
type Group = {
  id: string;
  name: string;
  createdAt: string;
  members: { userId: string; username: string }[];
};

type Pending =
  { act: 'delete'; group: Group } | { act: 'remove-member'; group: Group; member: Group['members'][number] };

/** The account named `username`, through the colleague directory; a clear error when there is none. */
async function userIdOf(api: ApiClient, username: string): Promise<{ id: string; username: string }> {
  const { users } = await api.post<{ users: { id: string; username: string }[] }>('/api/directory/lookup', {
    usernames: [username],
  });
  const user = users.find((each) => each.username === username) ?? users[0];
  if (user === undefined) {
    throw new ApiError({
      status: 404,
      code: 'web.user_not_found',
      title: 'No such user',
      detail: `There is no account named “${username}”. Check the spelling (usernames are lowercase).`,
    });
  }
  return user;
}

/** Groups of users (teams, intakes), which compliance officers may screen from a matter as a whole. */
export function GroupsSection() {
  const api = useApi();
  const loaded = useLoad((signal) => api.get<{ groups: Group[] }>('/api/admin/groups', { signal }), [api]);
  const { isBusy: busy, error, run } = useAction();
  const [message, setMessage] = useState('');
  const [name, setName] = useState('');
  const [pending, setPending] = useState<Pending | undefined>(undefined);

  function create(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const groupName = name.trim();
    if (groupName === '') return;
    setMessage('');
    void run(async () => {
      await api.post<Group>('/api/admin/groups', { name: groupName });
      setMessage(`The group “${groupName}” is created.`);
      setName('');
      loaded.reload();
    });
  }

  function addMember(group: Group, username: string) {
    setMessage('');
    void run(async () => {
      const user = await userIdOf(api, username.trim().toLowerCase());
      await api.put(`/api/admin/groups/${segment(group.id)}/members/${segment(user.id)}`, {});
      setMessage(`${user.username} is a member of ${group.name}.`);
      loaded.reload();
    });
  }

  function rename(group: Group, newName: string) {
    setMessage('');
    void run(async () => {
      await api.patch(`/api/admin/groups/${segment(group.id)}`, { name: newName.trim() });
      setMessage(`${group.name} is renamed ${newName.trim()}.`);
      loaded.reload();
    });
  }

  function confirm() {
    if (pending === undefined) return;
    const { group } = pending;
    setMessage('');
    void run(async () => {
      if (pending.act === 'delete') {
        await api.delete(`/api/admin/groups/${segment(group.id)}`);
        setMessage(`The group ${group.name} is deleted.`);
      } else {
        await api.delete(`/api/admin/groups/${segment(group.id)}/members/${segment(pending.member.userId)}`);
        setMessage(`${pending.member.username} is no longer a member of ${group.name}.`);
      }
      loaded.reload();
    }).then(() => setPending(undefined));
  }

  return (
    <section aria-labelledby="groups-heading">
      <h2 id="groups-heading">Groups</h2>
      <p className="muted">
        A group gathers people (a team, an intake of lateral hires) so that a compliance officer can screen
        them from a matter at once: whoever belongs to a screened group is screened, joining later included.
        Each change is recorded on the ledger.
      </p>
      <StatusMessage message={message} />
      <ErrorAlert error={error} />
      <form className="form-inline" onSubmit={create}>
        <div className="form">
          <label htmlFor="group-name">New group name</label>
          <input
            id="group-name"
            autoComplete="off"
            required
            maxLength={100}
            value={name}
            onChange={(event) => setName(event.target.value)}
          />
        </div>
        <button type="submit" disabled={busy}>
          Create group
        </button>
      </form>
      <LoadedView loaded={loaded}>
        {({ groups }) =>
          groups.length === 0 ? (
            <p className="muted">There is no group yet.</p>
          ) : (
            <DataTable
              caption="Groups of users"
              columns={[
                { label: 'Group' },
                { label: 'Members' },
                { label: 'Created', isHiddenOnPhone: true },
                { label: 'Actions' },
              ]}
            >
              {groups.map((group) => (
                <GroupRow
                  key={group.id}
                  group={group}
                  isBusy={busy}
                  onAddMember={(username) => addMember(group, username)}
                  onRename={(newName) => rename(group, newName)}
                  onRemoveMember={(member) => setPending({ act: 'remove-member', group, member })}
                  onDelete={() => setPending({ act: 'delete', group })}
                />
              ))}
            </DataTable>
          )
        }
      </LoadedView>
      {pending !== undefined ? (
        <ConfirmDialog
          title={
            pending.act === 'delete'
              ? `Delete the group ${pending.group.name}?`
              : `Remove ${pending.member.username} from ${pending.group.name}?`
          }
          confirmLabel={pending.act === 'delete' ? 'Delete group' : 'Remove member'}
          isBusy={busy}
          error={error}
          onConfirm={confirm}
          onClose={() => setPending(undefined)}
        >
          <p>
            {pending.act === 'delete'
              ? 'Its members stay; a group that a wall screens from a matter cannot be deleted until the wall is lifted.'
              : 'Walls on this group no longer screen them; walls on them in person stay.'}
          </p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}

function GroupRow({
  group,
  isBusy,
  onAddMember,
  onRename,
  onRemoveMember,
  onDelete,
}: {
  group: Group;
  isBusy: boolean;
  onAddMember: (username: string) => void;
  onRename: (name: string) => void;
  onRemoveMember: (member: Group['members'][number]) => void;
  onDelete: () => void;
}) {
  const [username, setUsername] = useState('');
  const [newName, setNewName] = useState(group.name);
  const memberId = `group-member-${group.id}`;
  const renameId = `group-rename-${group.id}`;
  return (
    <tr>
      <th scope="row">{group.name}</th>
      <td>
        {group.members.length === 0 ? (
          <span className="muted">No members</span>
        ) : (
          <ul>
            {group.members.map((member) => (
              <li key={member.userId}>
                {member.username}{' '}
                <button type="button" className="button-quiet" onClick={() => onRemoveMember(member)}>
                  Remove{' '}
                  <span className="visually-hidden">
                    {member.username} from {group.name}
                  </span>
                </button>
              </li>
            ))}
          </ul>
        )}
        <form
          className="form-inline"
          onSubmit={(event) => {
            event.preventDefault();
            if (username.trim() === '') return;
            onAddMember(username);
            setUsername('');
          }}
        >
          <div className="form">
            <label htmlFor={memberId}>
              Username to add <span className="visually-hidden">to {group.name}</span>
            </label>
            <input
              id={memberId}
              autoComplete="off"
              spellCheck={false}
              required
              maxLength={64}
              value={username}
              onChange={(event) => setUsername(event.target.value)}
            />
          </div>
          <button type="submit" disabled={isBusy}>
            Add member <span className="visually-hidden">to {group.name}</span>
          </button>
        </form>
      </td>
      <td className="hide-on-phone">{formatTime(group.createdAt)}</td>
      <td>
        <form
          className="form-inline"
          onSubmit={(event) => {
            event.preventDefault();
            if (newName.trim() === '' || newName.trim() === group.name) return;
            onRename(newName);
          }}
        >
          <div className="form">
            <label htmlFor={renameId}>
              Name <span className="visually-hidden">of {group.name}</span>
            </label>
            <input
              id={renameId}
              autoComplete="off"
              required
              maxLength={100}
              value={newName}
              onChange={(event) => setNewName(event.target.value)}
            />
          </div>
          <button type="submit" className="button-quiet" disabled={isBusy}>
            Rename <span className="visually-hidden">{group.name}</span>
          </button>
        </form>
        <button type="button" className="button-quiet" onClick={onDelete}>
          Delete group <span className="visually-hidden">{group.name}</span>
        </button>
      </td>
    </tr>
  );
}
