import { type SubmitEvent, useState } from 'react';
import { navigate } from '../../router';
import { matterReferencePattern } from '../matters/matters-api';

/**
 * Compliance officers act on matters they are no member of, so Writ lists none to them: they type the
 * matter's reference (`mat_…`), which colleagues read from the matter's page. It goes into the address
 * (`?matter=`), so the view can be bookmarked and the back button works.
 */
export function MatterChooser({ section, matterId }: { section: string; matterId: string | undefined }) {
  const [value, setValue] = useState(matterId ?? '');
  const [problem, setProblem] = useState('');
  function choose(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const reference = value.trim();
    if (!matterReferencePattern.test(reference)) {
      setProblem('A matter reference starts with "mat_" followed by 26 lowercase letters and digits.');
      return;
    }
    setProblem('');
    navigate(`/compliance/${section}?matter=${encodeURIComponent(reference)}`);
  }
  return (
    <form className="form-inline" onSubmit={choose} noValidate>
      <div className="form">
        <label htmlFor="matter-reference">Matter reference</label>
        <input
          id="matter-reference"
          className="mono"
          autoComplete="off"
          spellCheck={false}
          placeholder="mat_…"
          aria-describedby="matter-reference-help"
          aria-invalid={problem === '' ? undefined : true}
          value={value}
          onChange={(event) => setValue(event.target.value)}
        />
        <p id="matter-reference-help" className="help">
          {problem === '' ? 'The reference shown on the matter’s page (mat_…).' : problem}
        </p>
      </div>
      <button type="submit">Open</button>
    </form>
  );
}
