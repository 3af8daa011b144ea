import { type SubmitEvent, useState } from 'react';
import { segment } from '../../api/client';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { DataTable } from '../../components/data-table';
import { ErrorAlert } from '../../components/error-alert';
import { LoadedView } from '../../components/loading';
import { StatusMessage } from '../../components/status-message';
import { useAction } from '../../components/use-action';
import { useLoad } from '../../components/use-load';
import { useApi } from '../../session/session';
import {
  apiMatterPath,
  type Matter,
  type Party,
  type PartyKind,
  partyKindLabels,
  partyKinds,
} from './matters-api';

/** The matter's client and other parties; editors and owners add and remove them. */
export function MatterPartiesTab({ matter }: { matter: Matter }) {
  const api = useApi();
  const canEdit = matter.myRole === 'owner' || matter.myRole === 'editor';
  const [notice, setNotice] = useState('');
  const loaded = useLoad(
    (signal) => api.get<{ parties: Party[] }>(apiMatterPath(matter.id, '/parties'), { signal }),
    [matter.id],
  );

  function changed(message: string) {
    setNotice(message);
    loaded.reload();
  }

  return (
    <section aria-labelledby="parties-heading">
      <h2 id="parties-heading">Parties</h2>
      <StatusMessage message={notice} />
      <LoadedView loaded={loaded}>
        {({ parties }) =>
          parties.length === 0 ? (
            <p>No parties recorded yet.</p>
          ) : (
            <DataTable
              columns={[{ label: 'Name' }, { label: 'Kind' }, ...(canEdit ? [{ label: 'Actions' }] : [])]}
            >
              {parties.map((party) => (
                <tr key={party.id}>
                  <td>{party.name}</td>
                  <td>{partyKindLabels[party.kind]}</td>
                  {canEdit ? (
                    <td>
                      <RemoveParty matter={matter} party={party} onRemoved={changed} />
                    </td>
                  ) : null}
                </tr>
              ))}
            </DataTable>
          )
        }
      </LoadedView>
      {canEdit ? <AddPartyForm matter={matter} onAdded={changed} /> : null}
    </section>
  );
}

function RemoveParty({
  matter,
  party,
  onRemoved,
}: {
  matter: Matter;
  party: Party;
  onRemoved: (message: string) => void;
}) {
  const api = useApi();
  const [isConfirming, setIsConfirming] = useState(false);
  const { isBusy, error, run } = useAction();

  async function remove() {
    if (!(await run(() => api.delete(apiMatterPath(matter.id, `/parties/${segment(party.id)}`))))) return;
    setIsConfirming(false);
    onRemoved(`${party.name} was removed.`);
  }

  return (
    <>
      <button type="button" className="button-quiet" onClick={() => setIsConfirming(true)}>
        Remove<span className="visually-hidden"> {party.name}</span>
      </button>
      {isConfirming ? (
        <ConfirmDialog
          title={`Remove ${party.name}?`}
          confirmLabel="Remove"
          isBusy={isBusy}
          error={error}
          onConfirm={() => void remove()}
          onClose={() => setIsConfirming(false)}
        >
          <p>The party record is removed from this matter; documents are not touched.</p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}

function AddPartyForm({ matter, onAdded }: { matter: Matter; onAdded: (message: string) => void }) {
  const api = useApi();
  const [kind, setKind] = useState<PartyKind>('client');
  const [name, setName] = useState('');
  const { isBusy, error, run } = useAction();

  function onSubmit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    void run(async () => {
      const party = await api.post<Party>(apiMatterPath(matter.id, '/parties'), { kind, name: name.trim() });
      setName('');
      onAdded(`${party.name} was added as ${partyKindLabels[party.kind].toLowerCase()}.`);
    });
  }

  return (
    <section className="card" aria-labelledby="add-party-heading">
      <h3 id="add-party-heading">Add a party</h3>
      <form className="form" onSubmit={onSubmit}>
        <label htmlFor="party-kind">Kind</label>
        <select
          id="party-kind"
          value={kind}
          onChange={(event) => setKind(partyKinds.find((value) => value === event.target.value) ?? 'client')}
        >
          {partyKinds.map((value) => (
            <option key={value} value={value}>
              {partyKindLabels[value]}
            </option>
          ))}
        </select>
        <label htmlFor="party-name">Name</label>
        <input
          id="party-name"
          required
          maxLength={1024}
          value={name}
          onChange={(event) => setName(event.target.value)}
        />
        <button type="submit" disabled={isBusy}>
          Add party
        </button>
      </form>
      <ErrorAlert error={error} />
    </section>
  );
}
