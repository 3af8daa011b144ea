import { type SubmitEvent, useState } from 'react';
import type { Classification } from '../../components/classification-badge';
import { ErrorAlert } from '../../components/error-alert';
import { useAction } from '../../components/use-action';
import { Link, navigate } from '../../router';
import { useApi } from '../../session/session';
import { ClassificationOptions } from './classification-options';
import { apiMatterPath, classifications, type Matter, matterPath } from './matters-api';

/**
 * Opens a matter (lawyers). The server opens every matter as internal, so another label is a second
 * request; public is a lowering and needs a reason, as on the settings tab.
 */
export function NewMatterForm() {
  const api = useApi();
  const [name, setName] = useState('');
  const [classification, setClassification] = useState<Classification>('internal');
  const [reason, setReason] = useState('');
  const { isBusy: isSending, error, run } = useAction();
  const [openedAsInternal, setOpenedAsInternal] = useState<Matter | undefined>(undefined);
  const [invalid, setInvalid] = useState('');
  const isLowering = classification === 'public';

  async function create() {
    const matter = await api.post<Matter>('/api/matters', { name: name.trim() });
    if (classification !== 'internal') {
      try {
        await api.put(apiMatterPath(matter.id, '/classification'), {
          classification,
          ...(isLowering ? { reason: reason.trim() } : {}),
        });
      } catch (caught) {
        // The matter exists: say so, and lead to its settings rather than opening a second one.
        setOpenedAsInternal(matter);
        throw caught;
      }
    }
    navigate(matterPath(matter.id));
  }

  function onSubmit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    setOpenedAsInternal(undefined);
    // Spaces pass the browser's `required`; say what is missing in words rather than the server's schema path.
    const missing =
      name.trim() === ''
        ? 'Give the matter a name: it cannot be only spaces.'
        : isLowering && reason.trim() === ''
          ? 'Say why this matter may be public: the reason cannot be only spaces.'
          : '';
    setInvalid(missing);
    if (missing !== '') return;
    void run(create);
  }

  return (
    <section className="card" aria-labelledby="new-matter-heading">
      <h2 id="new-matter-heading">New matter</h2>
      <form className="form" onSubmit={onSubmit}>
        <label htmlFor="new-matter-name">Name</label>
        <input
          id="new-matter-name"
          required
          maxLength={200}
          aria-invalid={invalid !== '' && name.trim() === ''}
          value={name}
          onChange={(event) => setName(event.target.value)}
        />
        <label htmlFor="new-matter-classification">Classification</label>
        <select
          id="new-matter-classification"
          value={classification}
          aria-describedby="new-matter-classification-help"
          onChange={(event) =>
            setClassification(classifications.find((value) => value === event.target.value) ?? 'internal')
          }
        >
          <ClassificationOptions />
        </select>
        <p id="new-matter-classification-help" className="help">
          The default of everything in the matter. The reference is given when the matter opens.
        </p>
        {isLowering ? (
          <>
            <label htmlFor="new-matter-reason">Why may this matter be public?</label>
            <textarea
              id="new-matter-reason"
              required
              maxLength={1000}
              value={reason}
              onChange={(event) => setReason(event.target.value)}
            />
          </>
        ) : null}
        <button type="submit" disabled={isSending}>
          Open matter
        </button>
      </form>
      {invalid === '' ? null : (
        <p className="alert alert-error" role="alert">
          {invalid}
        </p>
      )}
      <ErrorAlert error={error} />
      {openedAsInternal === undefined ? null : (
        <p role="status">
          The matter <Link to={matterPath(openedAsInternal.id, 'settings')}>{openedAsInternal.name}</Link> was
          opened as internal; set its classification on its settings tab.
        </p>
      )}
    </section>
  );
}
