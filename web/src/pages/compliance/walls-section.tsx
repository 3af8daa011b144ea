import { type SubmitEvent, useState } from 'react';
import { segment } from '../../api/client';
import { ApiError } from '../../api/problem';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { DataTable } from '../../components/data-table';
import { ErrorAlert } from '../../components/error-alert';
import { LoadedView } from '../../components/loading';
import { StatusMessage } from '../../components/status-message';
import { useAction } from '../../components/use-action';
import { useLoad } from '../../components/use-load';
import { useApi } from '../../session/session';
import { type Colleague, usernamesOf } from '../matters/matters-api';
import { formatTime, type GroupName, type Screen } from './compliance-api';
import { MatterChooser } from './matter-chooser';

/** The walls standing on one matter: screen a colleague by username or a group, lift a screen. */
export function WallsSection({ matterId }: { matterId: string | undefined }) {
  return (
    <section aria-labelledby="walls-heading">
      <h2 id="walls-heading">Ethical walls</h2>
      <p className="muted">
        A wall screens a person, or every member of a group, from a matter: it overrides every grant they hold
        there, ownership included, until it is lifted. Only compliance officers (auditors an administrator
        designated) raise and lift walls; the matter&apos;s content stays closed to them.
      </p>
      {/* @NOTE Siblings' keys must differ: two equal keys make React leave stale copies in the page. */}
      <MatterChooser key={`chooser-${matterId ?? ''}`} section="walls" matterId={matterId} />
      {matterId === undefined ? null : <MatterWalls key={`matter-${matterId}`} matterId={matterId} />}
    </section>
  );
}

function MatterWalls({ matterId }: { matterId: string }) {
  const api = useApi();
  const path = `/api/matters/${segment(matterId)}/walls`;
  const loaded = useLoad(
    async (signal) => {
      const [{ screens }, { groups }] = await Promise.all([
        api.get<{ screens: Screen[] }>(path, { signal }),
        api.get<{ groups: GroupName[] }>('/api/directory/groups', { signal }),
      ]);
      const names = await usernamesOf(
        api,
        screens.flatMap((screen) => [
          ...(screen.userId === undefined ? [] : [screen.userId]),
          screen.createdBy,
        ]),
        signal,
      );
      return { screens, names, groups };
    },
    [api, path],
  );
  const [username, setUsername] = useState('');
  const [groupId, setGroupId] = useState('');
  const { isBusy: busy, error, run } = useAction();
  const [message, setMessage] = useState('');
  const [lifting, setLifting] = useState<{ screen: Screen; name: string } | undefined>(undefined);

  async function screenByUsername(name: string): Promise<string> {
    const { users } = await api.post<{ users: Colleague[] }>('/api/directory/lookup', { usernames: [name] });
    const user = users.find((each) => each.username === name) ?? users[0];
    if (user === undefined) {
      throw new ApiError({
        status: 404,
        code: 'web.user_not_found',
        title: 'No such user',
        detail: `There is no account named “${name}”. Check the spelling (usernames are lowercase).`,
      });
    }
    await api.post(path, { userId: user.id });
    return user.username;
  }

  function screen(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const name = username.trim().toLowerCase();
    if (name === '') return;
    setMessage('');
    void run(async () => {
      const screened = await screenByUsername(name);
      setMessage(`${screened} is screened from this matter.`);
      setUsername('');
      loaded.reload();
    });
  }

  function screenGroup(event: SubmitEvent<HTMLFormElement>, groups: GroupName[]) {
    event.preventDefault();
    const group = groups.find((each) => each.id === groupId);
    if (group === undefined) return;
    setMessage('');
    void run(async () => {
      await api.post(path, { groupId: group.id });
      setMessage(`Every member of ${group.name} is screened from this matter.`);
      setGroupId('');
      loaded.reload();
    });
  }

  function lift() {
    if (lifting === undefined) return;
    setMessage('');
    void run(async () => {
      const { userId, groupId: screenedGroupId } = lifting.screen;
      await api.delete(
        screenedGroupId === undefined
          ? `${path}/${segment(userId ?? '')}`
          : `${path}/groups/${segment(screenedGroupId)}`,
      );
      setMessage(`The wall screening ${lifting.name} is lifted: their grants count again.`);
      loaded.reload();
    }).then(() => setLifting(undefined));
  }

  return (
    <>
      <h3>
        Walls on <span className="mono">{matterId}</span>
      </h3>
      <StatusMessage message={message} />
      <ErrorAlert error={error} />
      <LoadedView loaded={loaded}>
        {({ screens, names, groups }) => (
          <>
            {screens.length === 0 ? (
              <p className="muted">No wall stands on this matter.</p>
            ) : (
              <DataTable
                caption="People and groups screened from the matter"
                columns={[
                  { label: 'Screened' },
                  { label: 'Since' },
                  { label: 'Raised by', isHiddenOnPhone: true },
                  { label: 'Actions' },
                ]}
              >
                {screens.map((each) => {
                  const groupName = groups.find((group) => group.id === each.groupId)?.name;
                  const name =
                    each.groupId === undefined
                      ? (names.get(each.userId ?? '') ?? each.userId ?? '')
                      : `Group ${groupName ?? each.groupId}`;
                  return (
                    <tr key={each.id}>
                      <th scope="row">{name}</th>
                      <td>{formatTime(each.createdAt)}</td>
                      <td className="hide-on-phone">{names.get(each.createdBy) ?? each.createdBy}</td>
                      <td>
                        <button
                          type="button"
                          className="button-quiet"
                          onClick={() => setLifting({ screen: each, name })}
                        >
                          Lift wall <span className="visually-hidden">screening {name}</span>
                        </button>
                      </td>
                    </tr>
                  );
                })}
              </DataTable>
            )}
            <form className="form-inline" onSubmit={screen}>
              <div className="form">
                <label htmlFor="screen-username">Username to screen</label>
                <input
                  id="screen-username"
                  autoComplete="off"
                  spellCheck={false}
                  required
                  maxLength={64}
                  value={username}
                  onChange={(event) => setUsername(event.target.value)}
                />
              </div>
              <button type="submit" disabled={busy}>
                Add wall
              </button>
            </form>
            {groups.length === 0 ? null : (
              <form className="form-inline" onSubmit={(event) => screenGroup(event, groups)}>
                <div className="form">
                  <label htmlFor="screen-group">Group to screen</label>
                  <select
                    id="screen-group"
                    required
                    value={groupId}
                    onChange={(event) => setGroupId(event.target.value)}
                  >
                    <option value="">Choose a group</option>
                    {groups.map((group) => (
                      <option key={group.id} value={group.id}>
                        {group.name}
                      </option>
                    ))}
                  </select>
                </div>
                <button type="submit" disabled={busy}>
                  Screen group
                </button>
              </form>
            )}
          </>
        )}
      </LoadedView>
      {lifting !== undefined ? (
        <ConfirmDialog
          title={`Lift the wall screening ${lifting.name}?`}
          confirmLabel="Lift wall"
          isBusy={busy}
          onConfirm={lift}
          onClose={() => setLifting(undefined)}
        >
          <p>
            {lifting.screen.groupId === undefined
              ? 'Their memberships of this matter count again at once.'
              : 'The memberships of the group’s members count again at once, unless another wall screens them.'}{' '}
            The ledger records who lifted it.
          </p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}
