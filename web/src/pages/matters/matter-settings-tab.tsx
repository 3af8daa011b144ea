import { type SubmitEvent, useState } from 'react';
import type { Classification } from '../../components/classification-badge';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { ErrorAlert } from '../../components/error-alert';
import { StatusMessage } from '../../components/status-message';
import { useAction } from '../../components/use-action';
import { useApi } from '../../session/session';
import { ClassificationOptions } from './classification-options';
import {
  apiMatterPath,
  classifications,
  type Matter,
  type MatterStatus,
  matterStatuses,
  statusLabels,
} from './matters-api';

const rank: Record<Classification, number> = { public: 0, internal: 1, highly_sensitive: 2 };

/** Owners: the matter's classification, its status, and a rotation of its keys (which needs a step-up). */
export function MatterSettingsTab({ matter, onChanged }: { matter: Matter; onChanged: () => void }) {
  const [notice, setNotice] = useState('');
  function changed(message: string) {
    setNotice(message);
    onChanged();
  }
  return (
    <section aria-labelledby="settings-heading">
      <h2 id="settings-heading">Settings</h2>
      <StatusMessage message={notice} />
      <ClassificationForm key={`c-${matter.classification}`} matter={matter} onChanged={changed} />
      <StatusForm key={`s-${matter.status}`} matter={matter} onChanged={changed} />
      <KeyRotation matter={matter} onRotated={setNotice} />
    </section>
  );
}

function ClassificationForm({ matter, onChanged }: { matter: Matter; onChanged: (message: string) => void }) {
  const api = useApi();
  const [classification, setClassification] = useState<Classification>(matter.classification);
  const [reason, setReason] = useState('');
  const { isBusy: isSending, error, run } = useAction();
  const isLowering = rank[classification] < rank[matter.classification];

  function onSubmit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    void run(async () => {
      await api.put(apiMatterPath(matter.id, '/classification'), {
        classification,
        ...(isLowering ? { reason: reason.trim() } : {}),
      });
      onChanged('The classification was changed.');
    });
  }

  return (
    <section className="card" aria-labelledby="classification-heading">
      <h3 id="classification-heading">Classification</h3>
      <form className="form" onSubmit={onSubmit}>
        <label htmlFor="matter-classification">Classification of the matter</label>
        <select
          id="matter-classification"
          value={classification}
          aria-describedby="matter-classification-help"
          onChange={(event) =>
            setClassification(classifications.find((value) => value === event.target.value) ?? classification)
          }
        >
          <ClassificationOptions />
        </select>
        <p id="matter-classification-help" className="help">
          The default of every folder and document without a label of its own.
        </p>
        {isLowering ? (
          <>
            <label htmlFor="classification-reason">Why lower it? (recorded)</label>
            <textarea
              id="classification-reason"
              required
              maxLength={1000}
              value={reason}
              onChange={(event) => setReason(event.target.value)}
            />
          </>
        ) : null}
        <button type="submit" disabled={isSending || classification === matter.classification}>
          Save classification
        </button>
      </form>
      <ErrorAlert error={error} />
    </section>
  );
}

function StatusForm({ matter, onChanged }: { matter: Matter; onChanged: (message: string) => void }) {
  const api = useApi();
  const [status, setStatus] = useState<MatterStatus>(matter.status);
  const { isBusy: isSending, error, run } = useAction();

  function onSubmit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    void run(async () => {
      await api.put(apiMatterPath(matter.id, '/status'), { status });
      onChanged(`The matter is now ${statusLabels[status].toLowerCase()}.`);
    });
  }

  return (
    <section className="card" aria-labelledby="status-heading">
      <h3 id="status-heading">Status</h3>
      <form className="form" onSubmit={onSubmit}>
        <label htmlFor="matter-status">Status of the matter</label>
        <select
          id="matter-status"
          value={status}
          aria-describedby="matter-status-help"
          onChange={(event) =>
            setStatus(matterStatuses.find((value) => value === event.target.value) ?? status)
          }
        >
          {matterStatuses.map((value) => (
            <option key={value} value={value}>
              {statusLabels[value]}
            </option>
          ))}
        </select>
        <p id="matter-status-help" className="help">
          A closed matter can be read but not changed; an archived one waits for its retention schedule.
        </p>
        <button type="submit" disabled={isSending || status === matter.status}>
          Save status
        </button>
      </form>
      <ErrorAlert error={error} />
    </section>
  );
}

function KeyRotation({ matter, onRotated }: { matter: Matter; onRotated: (message: string) => void }) {
  const api = useApi();
  const [isConfirming, setIsConfirming] = useState(false);
  const { isBusy: isSending, error, run } = useAction();

  function rotate() {
    // The server asks for a recent second factor; the API client opens the step-up dialog and retries.
    void run(async () => {
      const { rewrapped } = await api.post<{ rewrapped: number }>(
        apiMatterPath(matter.id, '/keys/rotate'),
        {},
      );
      setIsConfirming(false);
      onRotated(`The matter key was rotated; ${rewrapped} document keys were re-wrapped.`);
    });
  }

  return (
    <section className="card" aria-labelledby="keys-heading">
      <h3 id="keys-heading">Encryption keys</h3>
      <p>
        Rotating puts every document key of this matter under a fresh matter key. Do it when a key may have
        been exposed. You will be asked to confirm with your second factor.
      </p>
      <button type="button" className="button-secondary" onClick={() => setIsConfirming(true)}>
        Rotate the matter key
      </button>
      {isConfirming ? null : <ErrorAlert error={error} />}
      {isConfirming ? (
        <ConfirmDialog
          title="Rotate the matter key?"
          confirmLabel="Rotate"
          isDanger={false}
          isBusy={isSending}
          error={error}
          onConfirm={rotate}
          onClose={() => setIsConfirming(false)}
        >
          <p>Documents stay readable; only how their keys are wrapped changes.</p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
