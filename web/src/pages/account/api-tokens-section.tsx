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
import { type ApiToken, formatDateTime } from './account-api';

/** The scopes of `createApiTokenBody` (identity.api-tokens.models.ts `apiTokenScopes`). */
const scopeLabels = {
  'matters:read': 'List my matters',
  'documents:read': 'List and download documents',
  'documents:write': 'Upload documents and versions',
} as const;

type Scope = keyof typeof scopeLabels;
const scopes = Object.keys(scopeLabels) as Scope[];

/** Tokens for scripts: scoped, expiring, shown once. */
export function ApiTokensSection() {
  const api = useApi();
  const loaded = useLoad((signal) => api.get<{ apiTokens: ApiToken[] }>('/api/tokens', { signal }), [api]);
  const [name, setName] = useState('');
  const [chosen, setChosen] = useState<Set<Scope>>(() => new Set<Scope>(['matters:read', 'documents:read']));
  const [days, setDays] = useState('30');
  const [created, setCreated] = useState<{ name: string; token: string } | undefined>(undefined);
  const { isBusy: busy, error, run } = useAction();
  const [message, setMessage] = useState('');

  function toggle(scope: Scope, isOn: boolean) {
    setChosen((current) => {
      const next = new Set(current);
      if (isOn) next.add(scope);
      else next.delete(scope);
      return next;
    });
  }

  async function create(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    setMessage('');
    await run(async () => {
      const result = await api.post<{ apiToken: ApiToken; token: string }>('/api/tokens', {
        name: name.trim(),
        scopes: scopes.filter((scope) => chosen.has(scope)),
        expiresInDays: Number(days),
      });
      setCreated({ name: result.apiToken.name, token: result.token });
      setName('');
      loaded.reload();
    });
  }

  async function revoke(apiToken: ApiToken) {
    await api.delete(`/api/tokens/${segment(apiToken.id)}`);
    setMessage(`The token “${apiToken.name}” is revoked.`);
    loaded.reload();
  }

  return (
    <section className="card" aria-labelledby="account-tokens-title">
      <h2 id="account-tokens-title">API tokens</h2>
      <p className="muted">
        For scripts that read or upload documents in your matters. A token never manages your account.
      </p>
      <StatusMessage message={message} />
      {created === undefined ? null : (
        <div className="alert alert-success" role="status">
          <p>
            The token “{created.name}” is created. Copy it now: Writ will not show it again. Send it as{' '}
            <code>Authorization: Bearer …</code>.
          </p>
          <p>
            <code className="break-anywhere">{created.token}</code>
          </p>
          <button type="button" className="button-secondary" onClick={() => setCreated(undefined)}>
            I have copied it
          </button>
        </div>
      )}
      <LoadedView loaded={loaded}>
        {({ apiTokens }) =>
          apiTokens.length === 0 ? (
            <p>You have no API tokens.</p>
          ) : (
            <DataTable
              caption="Your API tokens"
              columns={[
                { label: 'Name' },
                { label: 'Scopes', isHiddenOnPhone: true },
                { label: 'Expires' },
                { label: 'Actions', isLabelHidden: true },
              ]}
            >
              {apiTokens.map((apiToken) => (
                <tr key={apiToken.id}>
                  <td>{apiToken.name}</td>
                  <td className="hide-on-phone">{apiToken.scopes.join(', ')}</td>
                  <td>{apiToken.revokedAt === undefined ? formatDateTime(apiToken.expiresAt) : 'Revoked'}</td>
                  <td>
                    {apiToken.revokedAt === undefined ? (
                      <ConfirmAction
                        label="Revoke"
                        accessibleLabel={`Revoke the token ${apiToken.name}`}
                        title={`Revoke the token “${apiToken.name}”?`}
                        confirmLabel="Revoke token"
                        onConfirm={() => revoke(apiToken)}
                      >
                        <p>Scripts using it stop working at once.</p>
                      </ConfirmAction>
                    ) : null}
                  </td>
                </tr>
              ))}
            </DataTable>
          )
        }
      </LoadedView>
      <h3>Create a token</h3>
      <form className="form" onSubmit={(event) => void create(event)} aria-busy={busy}>
        <label htmlFor="api-token-name">Token name</label>
        <input
          id="api-token-name"
          required
          maxLength={64}
          value={name}
          onChange={(event) => setName(event.target.value)}
        />
        <fieldset className="checkbox-group">
          <legend>What it may do</legend>
          {scopes.map((scope) => (
            <div key={scope} className="checkbox">
              <input
                id={`api-token-scope-${scope}`}
                type="checkbox"
                checked={chosen.has(scope)}
                onChange={(event) => toggle(scope, event.target.checked)}
              />
              <label htmlFor={`api-token-scope-${scope}`}>{scopeLabels[scope]}</label>
            </div>
          ))}
        </fieldset>
        <label htmlFor="api-token-days">Expires after (days)</label>
        <input
          id="api-token-days"
          type="number"
          min={1}
          max={365}
          required
          value={days}
          onChange={(event) => setDays(event.target.value)}
        />
        <button type="submit" disabled={busy || chosen.size === 0}>
          Create token
        </button>
      </form>
      <ErrorAlert error={error} />
    </section>
  );
}
