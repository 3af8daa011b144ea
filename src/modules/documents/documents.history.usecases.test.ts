import { afterAll, expect, test } from 'vitest';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { createDocumentsFixtures, readAll } from '../../../test/support/documents.js';
import { sequenceLedger, signLedgerCheckpoint } from '../../../test/support/ledger.js';
import { getDocumentHistory } from './documents.history.usecases.js';
import { updateDocument } from './documents.usecases.js';

describeOnDatabases('documents: history from the ledger', ({ getDb }) => {
  const cleanups: (() => void)[] = [];
  afterAll(() => {
    for (const cleanup of cleanups) cleanup();
  });
  const setup = async () => {
    const fixtures = await createDocumentsFixtures({ db: getDb() });
    cleanups.push(fixtures.deps.cleanup);
    return fixtures;
  };

  test("a document's history lists its own events only, pending, then sequenced, then in a signed checkpoint", async () => {
    const { db, clock, deps, lawyer, upload, download } = await setup();
    const { document } = await upload({ content: Buffer.from('first') });
    await upload({
      target: { matterId: document.matterId, name: 'Other.pdf' },
      content: Buffer.from('other'),
    });
    clock.advanceBy({ minutes: 1 });
    await readAll((await download({ documentId: document.id })).body);
    clock.advanceBy({ minutes: 1 });
    await updateDocument({ ...deps, principal: lawyer, documentId: document.id, name: 'Renamed.pdf' });

    const pending = await getDocumentHistory({ ...deps, principal: lawyer, documentId: document.id });
    expect(pending.entries.map((entry) => entry.kind)).toEqual([
      'documents.version_uploaded',
      'documents.version_downloaded',
      'documents.document_renamed',
    ]);
    expect(pending.entries.map((entry) => entry.proofStatus)).toEqual(['pending', 'pending', 'pending']);
    expect(pending.entries[0]).toMatchObject({ actor: { type: 'user', id: lawyer.userId }, version: 1 });
    expect(pending.checkpointSize).toBeUndefined();

    await sequenceLedger({ db, clock });
    const sequenced = await getDocumentHistory({ ...deps, principal: lawyer, documentId: document.id });
    expect(sequenced.entries.every((entry) => entry.proofStatus === 'sequenced')).toBe(true);
    expect(sequenced.entries.every((entry) => typeof entry.index === 'number')).toBe(true);

    await signLedgerCheckpoint({ db, clock });
    const checkpointed = await getDocumentHistory({ ...deps, principal: lawyer, documentId: document.id });
    expect(checkpointed.entries.every((entry) => entry.proofStatus === 'checkpointed')).toBe(true);
    expect(checkpointed.checkpointSize).toBeGreaterThan(0);
  });

  test('someone who may not read the document gets not-found, as for the document itself', async () => {
    const { deps, user, upload } = await setup();
    const { document } = await upload({ content: Buffer.from('secret') });
    const outsider = await user('lawyer');
    const auditor = await user('auditor');
    for (const principal of [outsider, auditor]) {
      await expect(getDocumentHistory({ ...deps, principal, documentId: document.id })).rejects.toMatchObject(
        {
          code: 'documents.document_not_found',
        },
      );
    }
  });
});
