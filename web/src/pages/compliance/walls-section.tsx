import { type SubmitEvent, useState } from 'react';
import { segment } from '../../api/client';
import { ApiError } from '../../api/problem';
import { ErrorAlert } from '../../components/error-alert';
import { LoadedView } from '../../components/loading';
import { useLoad } from '../../components/use-load';
import { useApi } from '../../session/session';
import { ConfirmDialog } from '../admin/confirm-dialog';
import { type Colleague, usernamesOf } from '../matters/matters-api';
import { formatTime, type Screen } from './compliance-api';
import { MatterChooser } from './matter-chooser';

/** The walls standing on one matter: screen a colleague by username, lift a screen. */
export function WallsSection({ matterId }: { matterId: string | undefined }) {
  return (
    <section aria-labelledby="walls-heading">
      <h2 id="walls-heading">Ethical walls</h2>
      <p className="muted">
        A wall screens a person from a matter: it overrides every grant they hold there, ownership included,
        until it is lifted. Only compliance officers (auditors an administrator designated) raise and lift
        walls; the matter&apos;s content stays closed to them.
      </p>
      <MatterChooser key={matterId ?? ''} section="walls" matterId={matterId} />
      {matterId === undefined ? null : <MatterWalls key={matterId} matterId={matterId} />}
    </section>
  );
}

function MatterWalls({ matterId }: { matterId: string }) {
  const api = useApi();
  const path = `/api/matters/${segment(matterId)}/walls`;
  const loaded = useLoad(
    async (signal) => {
      const { screens } = await api.get<{ screens: Screen[] }>(path, { signal });
      const names = await usernamesOf(
        api,
        screens.flatMap((screen) => [screen.userId, screen.createdBy]),
        signal,
      );
      return { screens, names };
    },
    [api, path],
  );
  const [username, setUsername] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
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
    setBusy(true);
    setError(undefined);
    setMessage('');
    screenByUsername(name).then(
      (screened) => {
        setMessage(`${screened} is screened from this matter.`);
        setUsername('');
        setBusy(false);
        loaded.reload();
      },
      (caught: unknown) => {
        setError(caught);
        setBusy(false);
      },
    );
  }

  function lift() {
    if (lifting === undefined) return;
    setBusy(true);
    setError(undefined);
    setMessage('');
    api.delete(`${path}/${segment(lifting.screen.userId)}`).then(
      () => {
        setMessage(`The wall screening ${lifting.name} is lifted: their grants count again.`);
        setLifting(undefined);
        setBusy(false);
        loaded.reload();
      },
      (caught: unknown) => {
        setError(caught);
        setLifting(undefined);
        setBusy(false);
      },
    );
  }

  return (
    <>
      <h3>
        Walls on <span className="mono">{matterId}</span>
      </h3>
      <p role="status" className={message === '' ? undefined : 'alert alert-success'}>
        {message}
      </p>
      <ErrorAlert error={error} />
      <LoadedView loaded={loaded}>
        {({ screens, names }) => (
          <>
            {screens.length === 0 ? (
              <p className="muted">No wall stands on this matter.</p>
            ) : (
              <div className="table-wrap">
                <table>
                  <caption className="visually-hidden">People screened from the matter</caption>
                  <thead>
                    <tr>
                      <th scope="col">Screened</th>
                      <th scope="col">Since</th>
                      <th scope="col" className="hide-on-phone">
                        Raised by
                      </th>
                      <th scope="col">Actions</th>
                    </tr>
                  </thead>
                  <tbody>
                    {screens.map((each) => {
                      const name = names.get(each.userId) ?? each.userId;
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
                  </tbody>
                </table>
              </div>
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
          </>
        )}
      </LoadedView>
      {lifting !== undefined ? (
        <ConfirmDialog
          title={`Lift the wall screening ${lifting.name}?`}
          confirmLabel="Lift wall"
          busy={busy}
          onConfirm={lift}
          onClose={() => setLifting(undefined)}
        >
          <p>Their memberships of this matter count again at once. The ledger records who lifted it.</p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}
