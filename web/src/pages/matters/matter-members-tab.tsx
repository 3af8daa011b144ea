import { type SubmitEvent, useState } from 'react';
import { segment } from '../../api/client';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { DataTable } from '../../components/data-table';
import { ErrorAlert } from '../../components/error-alert';
import { LoadedView } from '../../components/loading';
import { StatusMessage } from '../../components/status-message';
import { useAction } from '../../components/use-action';
import { useLoad } from '../../components/use-load';
import { useApi, useSignedIn } from '../../session/session';
import {
  apiMatterPath,
  type Colleague,
  endOfDay,
  formatDate,
  type Matter,
  type MatterRole,
  type Member,
  matterRoles,
  roleLabels,
  today,
  usernamesOf,
} from './matters-api';

type Loaded = { members: Member[]; names: Map<string, string> };

/** The matter's members with their roles and expiry; owners add, change and remove them. */
export function MatterMembersTab({ matter }: { matter: Matter }) {
  const api = useApi();
  const isOwner = matter.myRole === 'owner';
  const [notice, setNotice] = useState('');
  const loaded = useLoad(
    async (signal): Promise<Loaded> => {
      const { members } = await api.get<{ members: Member[] }>(apiMatterPath(matter.id, '/members'), {
        signal,
      });
      return {
        members,
        names: await usernamesOf(
          api,
          members.map((member) => member.userId),
          signal,
        ),
      };
    },
    [matter.id],
  );

  function changed(message: string) {
    setNotice(message);
    loaded.reload();
  }

  return (
    <section aria-labelledby="members-heading">
      <h2 id="members-heading">Members</h2>
      <StatusMessage message={notice} />
      <LoadedView loaded={loaded}>
        {({ members, names }) => (
          <MemberTable
            matter={matter}
            members={members}
            names={names}
            isOwner={isOwner}
            onChanged={changed}
          />
        )}
      </LoadedView>
      {isOwner ? <AddMemberForm matter={matter} onAdded={changed} /> : null}
    </section>
  );
}

function MemberTable({
  matter,
  members,
  names,
  isOwner,
  onChanged,
}: {
  matter: Matter;
  members: Member[];
  names: Map<string, string>;
  isOwner: boolean;
  onChanged: (message: string) => void;
}) {
  return (
    <DataTable
      columns={[
        { label: 'Member' },
        { label: 'Role' },
        { label: 'Access until', isHiddenOnPhone: true },
        ...(isOwner ? [{ label: 'Actions' }] : []),
      ]}
    >
      {members.map((member) => {
        const name = names.get(member.userId);
        return (
          <tr key={member.userId}>
            <td>
              {name ?? <span className="mono">{member.userId}</span>}
              {member.namedForHighlySensitive ? (
                <div className="help">Named for highly sensitive content</div>
              ) : null}
            </td>
            <td>
              {roleLabels[member.role]}
              {member.expiresAt === undefined ? null : (
                <div className="help show-on-phone">until {formatDate(member.expiresAt)}</div>
              )}
            </td>
            <td className="hide-on-phone">
              {member.expiresAt === undefined ? 'No end date' : formatDate(member.expiresAt)}
            </td>
            {isOwner ? (
              <td>
                <MemberActions
                  matter={matter}
                  member={member}
                  name={name ?? member.userId}
                  onChanged={onChanged}
                />
              </td>
            ) : null}
          </tr>
        );
      })}
    </DataTable>
  );
}

function MemberActions({
  matter,
  member,
  name,
  onChanged,
}: {
  matter: Matter;
  member: Member;
  name: string;
  onChanged: (message: string) => void;
}) {
  const api = useApi();
  const session = useSignedIn();
  const [role, setRole] = useState<MatterRole>(member.role);
  const [isConfirming, setIsConfirming] = useState(false);
  const action = useAction();
  const path = apiMatterPath(matter.id, `/members/${segment(member.userId)}`);
  const isSelf = member.userId === session.user.id;

  async function run(act: () => Promise<unknown>, message: string) {
    if (!(await action.run(act))) return;
    setIsConfirming(false);
    onChanged(message);
  }

  function changeRole(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    void run(
      () =>
        api.put(path, {
          role,
          ...(member.expiresAt === undefined ? {} : { expiresAt: member.expiresAt }),
          namedForHighlySensitive: member.namedForHighlySensitive,
        }),
      `${name} is now ${roleLabels[role].toLowerCase()}.`,
    );
  }

  return (
    <>
      <div className="member-actions">
        <form className="form-inline" onSubmit={changeRole}>
          <label htmlFor={`role-${member.userId}`} className="visually-hidden">
            Role of {name}
          </label>
          <select
            id={`role-${member.userId}`}
            value={role}
            onChange={(event) => setRole(matterRoles.find((value) => value === event.target.value) ?? role)}
          >
            {matterRoles.map((value) => (
              <option key={value} value={value}>
                {roleLabels[value]}
              </option>
            ))}
          </select>
          <button type="submit" className="button-secondary" disabled={action.isBusy || role === member.role}>
            Change role<span className="visually-hidden"> of {name}</span>
          </button>
        </form>
        <button type="button" className="button-danger" onClick={() => setIsConfirming(true)}>
          Remove<span className="visually-hidden"> {name}</span>
        </button>
      </div>
      {isConfirming ? null : <ErrorAlert error={action.error} />}
      {isConfirming ? (
        <ConfirmDialog
          title={`Remove ${name}?`}
          confirmLabel="Remove"
          isBusy={action.isBusy}
          error={action.error}
          onConfirm={() => void run(() => api.delete(path), `${name} was removed from the matter.`)}
          onClose={() => setIsConfirming(false)}
        >
          <p>
            {isSelf
              ? 'You will lose your own access to this matter.'
              : `${name} will no longer see this matter or its documents.`}
          </p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}

function AddMemberForm({ matter, onAdded }: { matter: Matter; onAdded: (message: string) => void }) {
  const api = useApi();
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<MatterRole>('viewer');
  const [until, setUntil] = useState('');
  const [isNamed, setIsNamed] = useState(false);
  const { isBusy, error, run } = useAction();
  const [notFound, setNotFound] = useState('');

  async function add(): Promise<string> {
    const wanted = username.trim().toLowerCase();
    const { users } = await api.post<{ users: Colleague[] }>('/api/directory/lookup', {
      usernames: [wanted],
    });
    const colleague = users.find((user) => user.username === wanted);
    if (colleague === undefined) {
      setNotFound(`Nobody has the username “${wanted}”. Check the spelling with your colleague.`);
      return '';
    }
    await api.put(apiMatterPath(matter.id, `/members/${segment(colleague.id)}`), {
      role,
      ...(until === '' ? {} : { expiresAt: endOfDay(until) }),
      namedForHighlySensitive: isNamed,
    });
    return `${colleague.username} was added as ${roleLabels[role].toLowerCase()}.`;
  }

  function onSubmit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    setNotFound('');
    void run(async () => {
      const message = await add();
      if (message === '') return;
      setUsername('');
      setUntil('');
      setIsNamed(false);
      onAdded(message);
    });
  }

  return (
    <section className="card" aria-labelledby="add-member-heading">
      <h3 id="add-member-heading">Add a member</h3>
      <form className="form" onSubmit={onSubmit}>
        <label htmlFor="member-username">Username</label>
        <input
          id="member-username"
          required
          autoComplete="off"
          spellCheck={false}
          maxLength={64}
          value={username}
          onChange={(event) => setUsername(event.target.value)}
        />
        <label htmlFor="member-role">Role</label>
        <select
          id="member-role"
          value={role}
          onChange={(event) => setRole(matterRoles.find((value) => value === event.target.value) ?? 'viewer')}
        >
          {matterRoles.map((value) => (
            <option key={value} value={value}>
              {roleLabels[value]}
            </option>
          ))}
        </select>
        <label htmlFor="member-until">Access until (optional)</label>
        <input
          id="member-until"
          type="date"
          min={today()}
          aria-describedby="member-until-help"
          value={until}
          onChange={(event) => setUntil(event.target.value)}
        />
        <p id="member-until-help" className="help">
          Access ends at the end of that day. Leave empty for no end date.
        </p>
        <div className="checkbox-row">
          <input
            id="member-named"
            type="checkbox"
            checked={isNamed}
            onChange={(event) => setIsNamed(event.target.checked)}
          />
          <label htmlFor="member-named">Named for highly sensitive content (assistants need this)</label>
        </div>
        <button type="submit" disabled={isBusy}>
          Add member
        </button>
      </form>
      {notFound === '' ? null : (
        <p className="alert alert-error" role="alert">
          {notFound}
        </p>
      )}
      <ErrorAlert error={error} />
    </section>
  );
}
