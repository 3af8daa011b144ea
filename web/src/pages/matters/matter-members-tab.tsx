import { type SubmitEvent, useState } from 'react';
import { segment } from '../../api/client';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { DataTable } from '../../components/data-table';
import { ErrorAlert } from '../../components/error-alert';
import { LoadedView } from '../../components/loading';
import { StatusMessage } from '../../components/status-message';
import { useAction } from '../../components/use-action';
import { useLoad } from '../../components/use-load';
import { navigate } from '../../router';
import { useApi, useSignedIn } from '../../session/session';
import {
  apiMatterPath,
  type Colleague,
  colleaguesOf,
  endOfDay,
  externalAccountLabels,
  formatDate,
  type Matter,
  type MatterRole,
  type Member,
  matterRoleLabel,
  matterRoles,
  mayUseDirectory,
  roleLabels,
  roleWithArticle,
  today,
} from './matters-api';

type Loaded = { members: Member[]; colleagues: Map<string, Colleague> };

/** A membership as it would be after a change: who, which role, and whether they stay on the matter. */
type Change = { userId: string; role: MatterRole | undefined };

/**
 * Why a change to the members deserves a second look, in plain words; empty when it does not. The account
 * roles come from the directory, which answers firm staff only: without them the firm-owner and external
 * checks are skipped (the server decides what is allowed either way).
 */
function changeWarnings({
  change,
  name,
  members,
  colleagues,
  selfId,
}: {
  change: Change;
  name: string;
  members: Member[];
  colleagues: Map<string, Colleague>;
  selfId: string;
}): string[] {
  const warnings: string[] = [];
  const isSelf = change.userId === selfId;
  const current = members.find((member) => member.userId === change.userId);
  const isLosingOwnership = current?.role === 'owner' && change.role !== 'owner';
  if (isSelf && change.role !== undefined && change.role !== current?.role)
    warnings.push(
      isLosingOwnership
        ? `You are changing your own role to ${roleLabels[change.role].toLowerCase()}. You will no longer be able to manage this matter’s members or settings, and only another owner can give you ownership back.`
        : `You are changing your own role to ${roleLabels[change.role].toLowerCase()}.`,
    );
  const accountRole = colleagues.get(change.userId)?.role;
  const external = accountRole === undefined ? undefined : externalAccountLabels[accountRole];
  if (change.role === 'owner' && current?.role !== 'owner' && external !== undefined)
    warnings.push(
      `${name} is a ${external} account, from outside the firm. As an owner they could add and remove members, change the matter’s settings and remove the firm’s own owners.`,
    );
  const isFirmStaff = (userId: string) => {
    const role = colleagues.get(userId)?.role;
    return role !== undefined && externalAccountLabels[role] === undefined;
  };
  const otherFirmOwners = members.filter(
    (member) => member.role === 'owner' && member.userId !== change.userId && isFirmStaff(member.userId),
  );
  if (isLosingOwnership && isFirmStaff(change.userId) && otherFirmOwners.length === 0)
    warnings.push(
      `${isSelf ? 'You are' : `${name} is`} the last owner from the firm. After this, nobody at the firm can manage this matter’s members or settings.`,
    );
  return warnings;
}

/** The matter's members with their roles and expiry; owners add, change and remove them. */
export function MatterMembersTab({
  matter,
  onMatterChanged,
}: {
  matter: Matter;
  /** The caller's own membership changed: the matter (and `myRole`) must be loaded again. */
  onMatterChanged: () => void;
}) {
  const api = useApi();
  const session = useSignedIn();
  const isOwner = matter.myRole === 'owner';
  const [notice, setNotice] = useState('');
  const loaded = useLoad(
    async (signal): Promise<Loaded> => {
      const { members } = await api.get<{ members: Member[] }>(apiMatterPath(matter.id, '/members'), {
        signal,
      });
      return {
        members,
        colleagues: mayUseDirectory(session.user.role)
          ? await colleaguesOf(
              api,
              members.map((member) => member.userId),
              signal,
            )
          : new Map<string, Colleague>(),
      };
    },
    [matter.id],
  );

  function changed(message: string, userId: string) {
    setNotice(message);
    loaded.reload();
    if (userId === session.user.id) onMatterChanged();
  }

  return (
    <section aria-labelledby="members-heading">
      <h2 id="members-heading">Members</h2>
      <StatusMessage message={notice} />
      <LoadedView loaded={loaded}>
        {({ members, colleagues }) => (
          <>
            <MemberTable
              matter={matter}
              members={members}
              colleagues={colleagues}
              isOwner={isOwner}
              onChanged={changed}
            />
            {isOwner ? (
              <AddMemberForm matter={matter} members={members} colleagues={colleagues} onAdded={changed} />
            ) : null}
          </>
        )}
      </LoadedView>
    </section>
  );
}

function MemberTable({
  matter,
  members,
  colleagues,
  isOwner,
  onChanged,
}: {
  matter: Matter;
  members: Member[];
  colleagues: Map<string, Colleague>;
  isOwner: boolean;
  onChanged: (message: string, userId: string) => void;
}) {
  const session = useSignedIn();
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
        const colleague = colleagues.get(member.userId);
        const external = colleague === undefined ? undefined : externalAccountLabels[colleague.role];
        const isSelf = member.userId === session.user.id;
        const name = isSelf ? session.user.username : (colleague?.username ?? matterRoleLabel(member.role));
        return (
          <tr key={member.userId}>
            <td>
              {name}
              {isSelf ? <span className="muted"> (you)</span> : null}
              {external === undefined ? null : <div className="help">Outside the firm ({external})</div>}
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
                  members={members}
                  colleagues={colleagues}
                  name={name}
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

type Pending =
  { kind: 'role'; role: MatterRole; warnings: string[] } | { kind: 'remove'; warnings: string[] };

function MemberActions({
  matter,
  member,
  members,
  colleagues,
  name,
  onChanged,
}: {
  matter: Matter;
  member: Member;
  members: Member[];
  colleagues: Map<string, Colleague>;
  name: string;
  onChanged: (message: string, userId: string) => void;
}) {
  const api = useApi();
  const session = useSignedIn();
  const [role, setRole] = useState<MatterRole>(member.role);
  const [pending, setPending] = useState<Pending>();
  const action = useAction();
  const path = apiMatterPath(matter.id, `/members/${segment(member.userId)}`);
  const isSelf = member.userId === session.user.id;
  const warningsFor = (change: Change) =>
    changeWarnings({ change, name, members, colleagues, selfId: session.user.id });

  async function run(act: () => Promise<unknown>, message: string) {
    if (!(await action.run(act))) return;
    setPending(undefined);
    if (isSelf && pending?.kind === 'remove') {
      navigate('/matters');
      return;
    }
    onChanged(message, member.userId);
  }

  function saveRole(newRole: MatterRole) {
    void run(
      () =>
        api.put(path, {
          role: newRole,
          ...(member.expiresAt === undefined ? {} : { expiresAt: member.expiresAt }),
          namedForHighlySensitive: member.namedForHighlySensitive,
        }),
      isSelf
        ? `You are now ${roleWithArticle(newRole)} in this matter.`
        : `${name} is now ${roleWithArticle(newRole)}.`,
    );
  }

  function changeRole(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const warnings = warningsFor({ userId: member.userId, role });
    if (warnings.length > 0) setPending({ kind: 'role', role, warnings });
    else saveRole(role);
  }

  const remove = () => void run(() => api.delete(path), `${name} was removed from the matter.`);

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
        <button
          type="button"
          className="button-danger"
          onClick={() =>
            setPending({ kind: 'remove', warnings: warningsFor({ userId: member.userId, role: undefined }) })
          }
        >
          Remove<span className="visually-hidden"> {name}</span>
        </button>
      </div>
      {pending === undefined ? <ErrorAlert error={action.error} /> : null}
      {pending?.kind === 'role' ? (
        <ConfirmDialog
          title={isSelf ? 'Change your own role?' : `Make ${name} ${roleWithArticle(pending.role)}?`}
          confirmLabel="Change role"
          isBusy={action.isBusy}
          error={action.error}
          onConfirm={() => saveRole(pending.role)}
          onClose={() => setPending(undefined)}
        >
          {pending.warnings.map((warning) => (
            <p key={warning}>{warning}</p>
          ))}
        </ConfirmDialog>
      ) : null}
      {pending?.kind === 'remove' ? (
        <ConfirmDialog
          title={`Remove ${name}?`}
          confirmLabel="Remove"
          isBusy={action.isBusy}
          error={action.error}
          onConfirm={remove}
          onClose={() => setPending(undefined)}
        >
          <p>
            {isSelf
              ? 'You will lose your own access to this matter.'
              : `${name} will no longer see this matter or its documents.`}
          </p>
          {pending.warnings
            .filter((warning) => !warning.startsWith('You are changing'))
            .map((warning) => (
              <p key={warning}>{warning}</p>
            ))}
        </ConfirmDialog>
      ) : null}
    </>
  );
}

/** What re-adding an existing member would change, in words: role and the highly sensitive naming. */
function describeReAdd(current: Member, { role, isNamed }: { role: MatterRole; isNamed: boolean }): string {
  const named = (isNamedNow: boolean) =>
    isNamedNow ? ', named for highly sensitive content' : ', not named for highly sensitive content';
  return `They would become ${roleWithArticle(role)}${named(isNamed)}.${
    current.namedForHighlySensitive && !isNamed
      ? ' They would lose their naming for highly sensitive content.'
      : ''
  }`;
}

type AddRequest = { colleague: Colleague; warnings: string[] };

function AddMemberForm({
  matter,
  members,
  colleagues,
  onAdded,
}: {
  matter: Matter;
  members: Member[];
  colleagues: Map<string, Colleague>;
  onAdded: (message: string, userId: string) => void;
}) {
  const api = useApi();
  const session = useSignedIn();
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<MatterRole>('viewer');
  const [until, setUntil] = useState('');
  const [isNamed, setIsNamed] = useState(false);
  const { isBusy, error, run } = useAction();
  const [notFound, setNotFound] = useState('');
  const [pending, setPending] = useState<AddRequest>();

  /** Looks the username up; undefined (with a message shown) when nobody has it. */
  async function lookUp(): Promise<Colleague | undefined> {
    const wanted = username.trim().toLowerCase();
    const { users } = await api.post<{ users: Colleague[] }>('/api/directory/lookup', {
      usernames: [wanted],
    });
    const colleague = users.find((user) => user.username === wanted);
    if (colleague === undefined)
      setNotFound(`Nobody has the username “${wanted}”. Check the spelling with your colleague.`);
    return colleague;
  }

  async function save(colleague: Colleague) {
    const current = members.find((member) => member.userId === colleague.id);
    await api.put(apiMatterPath(matter.id, `/members/${segment(colleague.id)}`), {
      role,
      ...(until === '' ? {} : { expiresAt: endOfDay(until) }),
      namedForHighlySensitive: isNamed,
    });
    setPending(undefined);
    setUsername('');
    setUntil('');
    setIsNamed(false);
    onAdded(
      current === undefined
        ? `${colleague.username} was added as ${roleWithArticle(role)}.`
        : `${colleague.username} is now ${roleWithArticle(role)}.`,
      colleague.id,
    );
  }

  function onSubmit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    setNotFound('');
    void run(async () => {
      const colleague = await lookUp();
      if (colleague === undefined) return;
      const current = members.find((member) => member.userId === colleague.id);
      const known = new Map(colleagues).set(colleague.id, colleague);
      const warnings = [
        ...(current === undefined
          ? []
          : [
              `${colleague.username} is already a member, as ${roleWithArticle(current.role)}${
                current.namedForHighlySensitive ? ' named for highly sensitive content' : ''
              }. ${describeReAdd(current, { role, isNamed })}`,
            ]),
        ...changeWarnings({
          change: { userId: colleague.id, role },
          name: colleague.username,
          members,
          colleagues: known,
          selfId: session.user.id,
        }),
      ];
      if (warnings.length > 0) setPending({ colleague, warnings });
      else await save(colleague);
    });
  }

  const isExisting =
    pending !== undefined && members.some((member) => member.userId === pending.colleague.id);

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
      {pending === undefined ? <ErrorAlert error={error} /> : null}
      {pending !== undefined ? (
        <ConfirmDialog
          title={
            isExisting
              ? `Change ${pending.colleague.username}’s membership?`
              : `Add ${pending.colleague.username} as ${roleWithArticle(role)}?`
          }
          confirmLabel={isExisting ? 'Change membership' : 'Add member'}
          isBusy={isBusy}
          error={error}
          onConfirm={() => void run(() => save(pending.colleague))}
          onClose={() => setPending(undefined)}
        >
          {pending.warnings.map((warning) => (
            <p key={warning}>{warning}</p>
          ))}
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
