import { type SubmitEvent, useState } from 'react';
import { segment } from '../../api/client';
import { ConfirmAction } from '../../components/confirm-action';
import { DataTable } from '../../components/data-table';
import { Dialog } from '../../components/dialog';
import { ErrorAlert } from '../../components/error-alert';
import { LoadedView } from '../../components/loading';
import { StatusMessage } from '../../components/status-message';
import { useAction } from '../../components/use-action';
import { useLoad } from '../../components/use-load';
import { useApi, useSession } from '../../session/session';
import { formatDateTime, type Passkey, type PasskeyRegistration } from './account-api';
import { PasskeyCreateForm } from './passkey-create';
import { RecoveryCodesView } from './recovery-codes-view';

/** The person's passkeys: list, add under a name, rename, remove. */
export function PasskeysSection() {
  const api = useApi();
  const { refresh, setSession } = useSession();
  const loaded = useLoad(
    (signal) => api.get<{ passkeys: Passkey[] }>('/api/mfa/passkeys', { signal }),
    [api],
  );
  const [registration, setRegistration] = useState<PasskeyRegistration | undefined>(undefined);
  const [message, setMessage] = useState('');
  const [renaming, setRenaming] = useState<Passkey | undefined>(undefined);

  function registered(result: PasskeyRegistration) {
    setMessage(`The passkey “${result.passkey.name}” is added.`);
    loaded.reload();
    if (result.recoveryCodes === undefined) setSession(result.session);
    else setRegistration(result);
  }

  async function remove(passkey: Passkey) {
    await api.delete(`/api/mfa/passkeys/${segment(passkey.id)}`);
    setMessage(`The passkey “${passkey.name}” is removed.`);
    loaded.reload();
    await refresh();
  }

  return (
    <section className="card" aria-labelledby="account-passkeys-title">
      <h2 id="account-passkeys-title">Passkeys</h2>
      <p className="muted">
        A passkey signs you in with your device’s fingerprint, face or screen lock, or with a security key,
        and counts as both factors.
      </p>
      <StatusMessage message={message} />
      {registration?.recoveryCodes !== undefined ? (
        <RecoveryCodesView
          codes={registration.recoveryCodes}
          onDone={() => {
            setSession(registration.session);
            setRegistration(undefined);
          }}
        />
      ) : null}
      <LoadedView loaded={loaded}>
        {({ passkeys }) =>
          passkeys.length === 0 ? (
            <p>You have no passkeys yet.</p>
          ) : (
            <DataTable
              caption="Your passkeys"
              columns={[
                { label: 'Name' },
                { label: 'Added', isHiddenOnPhone: true },
                { label: 'Last used' },
                { label: 'Actions', isLabelHidden: true },
              ]}
            >
              {passkeys.map((passkey) => (
                <tr key={passkey.id}>
                  <td>
                    {passkey.name}
                    {passkey.isBackedUp ? <span className="muted"> (synced)</span> : null}
                  </td>
                  <td className="hide-on-phone">{formatDateTime(passkey.createdAt)}</td>
                  <td>{passkey.lastUsedAt === null ? 'Never' : formatDateTime(passkey.lastUsedAt)}</td>
                  <td>
                    <div className="actions">
                      <button
                        type="button"
                        className="button-secondary"
                        aria-label={`Rename ${passkey.name}`}
                        onClick={() => setRenaming(passkey)}
                      >
                        Rename
                      </button>
                      <ConfirmAction
                        label="Remove"
                        accessibleLabel={`Remove ${passkey.name}`}
                        title={`Remove the passkey “${passkey.name}”?`}
                        confirmLabel="Remove passkey"
                        onConfirm={() => remove(passkey)}
                      >
                        <p>
                          It will no longer sign you in. Remove it from the device too. Writ may first ask you
                          to confirm it is you.
                        </p>
                      </ConfirmAction>
                    </div>
                  </td>
                </tr>
              ))}
            </DataTable>
          )
        }
      </LoadedView>
      <h3>Add a passkey</h3>
      <PasskeyCreateForm idPrefix="account" onRegistered={registered} />
      {renaming === undefined ? null : (
        <RenamePasskeyDialog
          passkey={renaming}
          onClose={(renamed) => {
            setRenaming(undefined);
            if (renamed !== undefined) {
              setMessage(`The passkey is now called “${renamed.name}”.`);
              loaded.reload();
            }
          }}
        />
      )}
    </section>
  );
}

function RenamePasskeyDialog({
  passkey,
  onClose,
}: {
  passkey: Passkey;
  onClose: (renamed: Passkey | undefined) => void;
}) {
  const api = useApi();
  const [name, setName] = useState(passkey.name);
  const { isBusy: busy, error, run } = useAction();

  async function save(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    await run(async () => {
      const result = await api.patch<{ passkey: Passkey }>(`/api/mfa/passkeys/${segment(passkey.id)}`, {
        name: name.trim(),
      });
      onClose(result.passkey);
    });
  }

  return (
    <Dialog title="Rename passkey" onClose={() => onClose(undefined)}>
      <form className="form" onSubmit={(event) => void save(event)}>
        <label htmlFor="rename-passkey-name">New name</label>
        <input
          id="rename-passkey-name"
          required
          maxLength={64}
          value={name}
          onChange={(event) => setName(event.target.value)}
        />
        <button type="submit" disabled={busy}>
          Save name
        </button>
      </form>
      <ErrorAlert error={error} />
    </Dialog>
  );
}
