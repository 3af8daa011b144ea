import { useSession } from '../../session/session';

/**
 * Recovery codes, shown this once: the server keeps only their hashes. The download is built in the page
 * (a Blob), so the codes make no second trip over the network and land in no server log.
 */
export function RecoveryCodesView({
  codes,
  onDone,
  doneLabel = 'I have saved them',
}: {
  codes: string[];
  onDone: () => void;
  doneLabel?: string;
}) {
  const { session } = useSession();
  const username = session?.user.username ?? '';

  function download() {
    const text = [
      `Writ recovery codes${username === '' ? '' : ` for ${username}`}`,
      `Saved ${new Date().toISOString()}. Each code signs you in once, in place of your second factor.`,
      '',
      ...codes,
      '',
    ].join('\n');
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = 'writ-recovery-codes.txt';
    link.click();
    // The click has started the download; the URL is no longer needed.
    setTimeout(() => URL.revokeObjectURL(url), 0);
  }

  return (
    <section className="recovery-codes" aria-labelledby="recovery-codes-title">
      <h2 id="recovery-codes-title">Your recovery codes</h2>
      <div className="alert alert-success" role="status">
        <p>
          Save these {codes.length} codes somewhere safe, apart from your devices. Each one signs you in once
          if you lose your authenticator app or passkey. Writ will not show them again.
        </p>
      </div>
      <ol className="recovery-code-list mono">
        {codes.map((code) => (
          <li key={code}>{code}</li>
        ))}
      </ol>
      <div className="actions">
        <button type="button" className="button-secondary" onClick={download}>
          Download as a text file
        </button>
        <button type="button" onClick={onDone}>
          {doneLabel}
        </button>
      </div>
    </section>
  );
}
