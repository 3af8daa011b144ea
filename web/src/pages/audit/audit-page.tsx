import { useState } from 'react';
import { ErrorAlert } from '../../components/error-alert';
import { LoadedView } from '../../components/loading';
import { PageTitle } from '../../components/page-title';
import { useLoad } from '../../components/use-load';
import { useApi } from '../../session/session';
import { parseCheckpoint, type VerifierKey } from './ledger-api';

/**
 * The ledger as anyone signed in may see it: the latest signed checkpoint, the log's verifier key, and
 * how to check a receipt or the whole log offline with `writ`, trusting neither this page nor the server.
 */
export function AuditPage() {
  const api = useApi();
  const checkpoint = useLoad(
    async (signal) => {
      const { blob } = await api.blob('/ledger/checkpoint', { signal, headers: { accept: 'text/plain' } });
      return blob.text();
    },
    [api],
  );
  const key = useLoad((signal) => api.get<VerifierKey>('/api/ledger/verifier-key', { signal }), [api]);
  const logUrl = `${window.location.origin}/ledger`;
  const keyArgument = key.state === 'ready' ? key.value.verifierKey : '<verifier key>';
  return (
    <>
      <PageTitle title="Ledger">Ledger</PageTitle>
      <p>
        Every change in Writ is an entry on a tamper-evident ledger: a Merkle tree whose state the server
        signs in checkpoints. Anyone holding the verifier key can check, without trusting the server, that an
        entry is in the tree and that the tree only ever grew.
      </p>

      <section aria-labelledby="checkpoint-heading" className="card">
        <h2 id="checkpoint-heading">Latest checkpoint</h2>
        <LoadedView loaded={checkpoint}>
          {(note) => {
            const parsed = parseCheckpoint(note);
            if (parsed === undefined)
              return <p role="alert">The server sent a checkpoint this page cannot read.</p>;
            return (
              <>
                <dl className="facts">
                  <dt>Origin</dt>
                  <dd className="mono">{parsed.origin}</dd>
                  <dt>Tree size</dt>
                  <dd>
                    <span data-testid="tree-size">{parsed.size}</span> entries
                  </dd>
                  <dt>Root hash</dt>
                  <dd className="mono">{parsed.rootHash}</dd>
                </dl>
                <h3>Signatures</h3>
                <ul>
                  {parsed.signatures.map((signature, index) => (
                    <li key={`${signature.name}-${signature.keyIdHex}-${index}`}>
                      <span className="mono">{signature.name}</span> (key ID{' '}
                      <span className="mono">{signature.keyIdHex}</span>):{' '}
                      {signature.name === parsed.origin ? 'the log’s own signature' : 'witness cosignature'}
                    </li>
                  ))}
                </ul>
                {parsed.signatures.length < 2 ? (
                  <p className="help">
                    No witness has cosigned this checkpoint yet: only the log itself vouches for it.
                  </p>
                ) : null}
                <details>
                  <summary>The signed note as served</summary>
                  <pre className="note-text">{parsed.note}</pre>
                </details>
              </>
            );
          }}
        </LoadedView>
      </section>

      <section aria-labelledby="key-heading" className="card">
        <h2 id="key-heading">Verifier key</h2>
        <LoadedView loaded={key}>
          {({ verifierKey }) => <VerifierKeyView verifierKey={verifierKey} />}
        </LoadedView>
      </section>

      <section aria-labelledby="offline-heading" className="card">
        <h2 id="offline-heading">Verify offline</h2>
        <p>
          A receipt (download it from a document&apos;s history, for your own uploads and downloads) proves
          that an event is in the ledger. Check it on any machine with the <code>writ</code> command:
        </p>
        <pre className="command">{`writ ledger prove receipt.json --key '${keyArgument}'`}</pre>
        <p>Check the whole log through its public tiles (every entry, every checkpoint, consistency):</p>
        <pre className="command">{`writ ledger verify --url ${logUrl} --key '${keyArgument}'`}</pre>
        <p className="help">
          Add <code>--ca-file cert.pem</code> when the server uses a certificate your system does not trust,
          and <code>--witnesses N --witness-key …</code> to require N witness cosignatures.
        </p>
      </section>
    </>
  );
}

function VerifierKeyView({ verifierKey }: { verifierKey: string }) {
  const [copied, setCopied] = useState<'no' | 'yes' | 'failed'>('no');
  const [error, setError] = useState<unknown>(undefined);
  return (
    <>
      <p className="mono verifier-key" data-testid="verifier-key">
        {verifierKey}
      </p>
      <div className="actions">
        <button
          type="button"
          className="button-secondary"
          onClick={() => {
            setError(undefined);
            navigator.clipboard.writeText(verifierKey).then(
              () => setCopied('yes'),
              (caught: unknown) => {
                setCopied('failed');
                setError(caught);
              },
            );
          }}
        >
          Copy verifier key
        </button>
        <span role="status">{copied === 'yes' ? 'Copied.' : ''}</span>
      </div>
      <ErrorAlert error={error} />
      <p className="help">
        Public information: <code>writ ledger key</code> prints the same on the server. Compare it with the
        key your firm publishes elsewhere (its website, an engagement letter): a key read from the server
        alone proves nothing against whoever runs the server.
      </p>
    </>
  );
}
