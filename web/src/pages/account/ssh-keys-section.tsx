import { type SubmitEvent, useState } from 'react';
import { segment } from '../../api/client';
import { ConfirmAction } from '../../components/confirm-action';
import { DataTable } from '../../components/data-table';
import { ErrorAlert } from '../../components/error-alert';
import { LoadedView } from '../../components/loading';
import { StatusMessage } from '../../components/status-message';
import { useAction } from '../../components/use-action';
import { useLoad } from '../../components/use-load';
import { useApi } from '../../session/session';
import { formatDateTime, type SshKey } from './account-api';
import { SftpConnection } from './sftp-connection';

/** OpenSSH public keys that sign the person in over SFTP (with their second factor still asked for). */
export function SshKeysSection() {
  const api = useApi();
  const loaded = useLoad((signal) => api.get<{ sshKeys: SshKey[] }>('/api/ssh-keys', { signal }), [api]);
  const [name, setName] = useState('');
  const [publicKey, setPublicKey] = useState('');
  const { isBusy: busy, error, run } = useAction();
  const [message, setMessage] = useState('');

  async function add(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    setMessage('');
    await run(async () => {
      const { sshKey } = await api.post<{ sshKey: SshKey }>('/api/ssh-keys', {
        name: name.trim(),
        publicKey: publicKey.trim(),
      });
      setName('');
      setPublicKey('');
      setMessage(`The key “${sshKey.name}” (${sshKey.fingerprint}) is added.`);
      loaded.reload();
    });
  }

  async function remove(sshKey: SshKey) {
    await api.delete(`/api/ssh-keys/${segment(sshKey.id)}`);
    setMessage(`The key “${sshKey.name}” is removed.`);
    loaded.reload();
  }

  return (
    <section className="card" aria-labelledby="account-ssh-title">
      <h2 id="account-ssh-title">SSH keys for SFTP</h2>
      <p className="muted">
        Add the public key (the <code>.pub</code> file) of each computer you connect from with an SFTP client.
      </p>
      <SftpConnection />
      <StatusMessage message={message} />
      <LoadedView loaded={loaded}>
        {({ sshKeys }) =>
          sshKeys.length === 0 ? (
            <p>You have no SSH keys yet.</p>
          ) : (
            <DataTable
              caption="Your SSH keys"
              columns={[
                { label: 'Name' },
                { label: 'Fingerprint' },
                { label: 'Last used', isHiddenOnPhone: true },
                { label: 'Actions', isLabelHidden: true },
              ]}
            >
              {sshKeys.map((sshKey) => (
                <tr key={sshKey.id}>
                  <td>
                    {sshKey.name} <span className="muted">({sshKey.algorithm})</span>
                  </td>
                  <td className="mono break-anywhere">{sshKey.fingerprint}</td>
                  <td className="hide-on-phone">
                    {sshKey.lastUsedAt === undefined ? 'Never' : formatDateTime(sshKey.lastUsedAt)}
                  </td>
                  <td>
                    <ConfirmAction
                      label="Remove"
                      accessibleLabel={`Remove the SSH key ${sshKey.name}`}
                      title={`Remove the SSH key “${sshKey.name}”?`}
                      confirmLabel="Remove key"
                      onConfirm={() => remove(sshKey)}
                    >
                      <p>It will no longer sign you in over SFTP.</p>
                    </ConfirmAction>
                  </td>
                </tr>
              ))}
            </DataTable>
          )
        }
      </LoadedView>
      <h3>Add an SSH key</h3>
      <form className="form" onSubmit={(event) => void add(event)} aria-busy={busy}>
        <label htmlFor="ssh-key-name">Key name</label>
        <input
          id="ssh-key-name"
          required
          maxLength={100}
          value={name}
          onChange={(event) => setName(event.target.value)}
        />
        <label htmlFor="ssh-key-public">Public key</label>
        <textarea
          id="ssh-key-public"
          className="mono"
          required
          rows={3}
          spellCheck={false}
          aria-describedby="ssh-key-public-help"
          value={publicKey}
          onChange={(event) => setPublicKey(event.target.value)}
        />
        <p id="ssh-key-public-help" className="help">
          One line starting with <code>ssh-ed25519</code>, <code>ecdsa-sha2-…</code> or <code>ssh-rsa</code>{' '}
          (3072 bits or more).
        </p>
        <button type="submit" disabled={busy}>
          Add key
        </button>
      </form>
      <ErrorAlert error={error} />
    </section>
  );
}
