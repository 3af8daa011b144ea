import { useId, useState } from 'react';

/**
 * A link the server shows once (invitation, password reset): the token is not stored, so it cannot be
 * shown again. Read-only text to select, and a copy button with spoken feedback.
 */
export function OneTimeLink({ label, link, expiresAt }: { label: string; link: string; expiresAt: string }) {
  const id = useId();
  const [copied, setCopied] = useState<'no' | 'yes' | 'failed'>('no');
  function copy() {
    navigator.clipboard.writeText(link).then(
      () => setCopied('yes'),
      () => setCopied('failed'),
    );
  }
  return (
    <div className="alert alert-success one-time-link">
      <label htmlFor={id}>{label}</label>
      <input id={id} className="mono" readOnly value={link} onFocus={(event) => event.target.select()} />
      <p className="help">
        Shown once: copy it now and hand it over privately. It works once, until{' '}
        {new Date(expiresAt).toLocaleString()}.
      </p>
      <div className="actions">
        <button type="button" className="button-secondary" onClick={copy}>
          Copy link
        </button>
        <span role="status">
          {copied === 'yes'
            ? 'Copied.'
            : copied === 'failed'
              ? 'Copying failed: select the link and copy it.'
              : ''}
        </span>
      </div>
    </div>
  );
}
