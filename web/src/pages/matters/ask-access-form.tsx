import { type SubmitEvent, useState } from 'react';
import { ErrorAlert } from '../../components/error-alert';
import { useAction } from '../../components/use-action';
import { Link } from '../../router';
import { useApi } from '../../session/session';
import { apiMatterPath, matterReferencePattern } from './matters-api';

/**
 * Asks for access to a matter by the reference a colleague shared. The server answers `submitted`
 * whether or not the matter exists (or the person may ask), so the page says the same in every case:
 * it cannot tell, and must not guess.
 */
export function AskAccessForm() {
  const api = useApi();
  const [reference, setReference] = useState('');
  const [role, setRole] = useState<'viewer' | 'editor'>('viewer');
  const [reason, setReason] = useState('');
  const { isBusy: isSending, error, run } = useAction();
  const [sentFor, setSentFor] = useState<string | undefined>(undefined);
  const [isReferenceChecked, setIsReferenceChecked] = useState(false);
  const normalized = reference.trim().toLowerCase();
  const isWellFormed = matterReferencePattern.test(normalized);

  function onSubmit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    setIsReferenceChecked(true);
    if (!isWellFormed) return;
    setSentFor(undefined);
    void run(async () => {
      await api.post(apiMatterPath(normalized, '/access-requests'), { role, reason: reason.trim() });
      setSentFor(normalized);
      setIsReferenceChecked(false);
      setReference('');
      setReason('');
    });
  }

  return (
    <section className="card" aria-labelledby="ask-access-heading">
      <h2 id="ask-access-heading">Ask for access to a matter</h2>
      <p>
        A colleague can give you a matter’s reference (it starts with <span className="mono">mat_</span>). Its
        owners decide; you can follow your requests under <Link to="/requests">Requests</Link>.
      </p>
      <form className="form" onSubmit={onSubmit}>
        <label htmlFor="ask-reference">Matter reference</label>
        <input
          id="ask-reference"
          className="mono"
          required
          autoComplete="off"
          spellCheck={false}
          maxLength={64}
          aria-describedby={
            isReferenceChecked && !isWellFormed
              ? 'ask-reference-error ask-reference-help'
              : 'ask-reference-help'
          }
          aria-invalid={isReferenceChecked && !isWellFormed}
          value={reference}
          onBlur={() => setIsReferenceChecked(reference.trim() !== '')}
          onChange={(event) => setReference(event.target.value)}
        />
        <p id="ask-reference-help" className="help">
          For example mat_01jd3k5v7x9z1b3d5f7h9k1m3p.
        </p>
        {isReferenceChecked && !isWellFormed ? (
          <p id="ask-reference-error" className="field-error" role="alert">
            A reference is mat_ followed by 26 letters and digits; check what you were given.
          </p>
        ) : null}
        <label htmlFor="ask-role">Access you need</label>
        <select
          id="ask-role"
          value={role}
          onChange={(event) => setRole(event.target.value === 'editor' ? 'editor' : 'viewer')}
        >
          <option value="viewer">Viewer (read documents)</option>
          <option value="editor">Editor (also upload and organise)</option>
        </select>
        <label htmlFor="ask-reason">Why you need it</label>
        <textarea
          id="ask-reason"
          required
          maxLength={1000}
          value={reason}
          onChange={(event) => setReason(event.target.value)}
        />
        <button type="submit" disabled={isSending}>
          Send request
        </button>
      </form>
      <ErrorAlert error={error} />
      <div role="status">
        {sentFor === undefined ? null : (
          <div className="alert alert-success">
            <p>
              Your request for <span className="mono">{sentFor}</span> was sent. If the reference is right,
              the matter’s owners will decide on it; you will see their answer under{' '}
              <Link to="/requests">Requests</Link>.
            </p>
          </div>
        )}
      </div>
    </section>
  );
}
