import { type SubmitEvent, useState } from 'react';
import { segment } from '../../api/client';
import { ErrorAlert } from '../../components/error-alert';
import { LoadedView } from '../../components/loading';
import { useLoad } from '../../components/use-load';
import { useApi } from '../../session/session';
import { formatDateTime, type SshKey } from './account-api';
import { ConfirmAction } from './confirm-action';
import { SftpConnection } from './sftp-connection';

/** OpenSSH public keys that sign the person in over SFTP (with their second factor still asked for). */
export function SshKeysSection() {
  const api = useApi();
  const loaded = useLoad((signal) => api.get<{ sshKeys: SshKey[] }>('/api/ssh-keys', { signal }), [api]);
  const [name, setName] = useState('');
  const [publicKey, setPublicKey] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState('');

  async function add(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setMessage('');
    try {
      const { sshKey } = await api.post<{ sshKey: SshKey }>('/api/ssh-keys', {
        name: name.trim(),
        publicKey: publicKey.trim(),
      });
      setName('');
      setPublicKey('');
      setMessage(`The key “${sshKey.name}” (${sshKey.fingerprint}) is added.`);
      loaded.reload();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
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
      <p role="status" className={message === '' ? 'visually-hidden' : 'alert alert-success'}>
        {message}
      </p>
      <LoadedView loaded={loaded}>
        {({ sshKeys }) =>
          sshKeys.length === 0 ? (
            <p>You have no SSH keys yet.</p>
          ) : (
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">Your SSH keys</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Fingerprint</th>
                    <th scope="col" className="hide-on-phone">
                      Last used
                    </th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
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
                </tbody>
              </table>
            </div>
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
