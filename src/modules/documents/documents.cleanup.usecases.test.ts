import { randomBytes } from 'node:crypto';
import { afterAll, expect, test } from 'vitest';
import { expectCode, ledgerEntries } from '../../../test/support/assertions.js';
import { describeOnDatabases } from '../../../test/support/databases.js';
import {
  createDocumentsFixtures,
  listBlobKeys,
  readAll,
  readableOf,
} from '../../../test/support/documents.js';
import { sweepAbandonedUploads } from './documents.cleanup.usecases.js';
import { getMatter } from './documents.matters.usecases.js';
import { createGate, holdBlobPuts, holdLedgerAppends, sleep } from './documents.races.test-utils.js';
import { uploadDocument } from './documents.uploads.usecases.js';

/** The age at which the sweep takes an upload for abandoned, as in a default installation. */
const abandonedUploadMinutes = 24 * 60;

/**
 * Not real here, and why: the blob store and the ledger are the real ones, wrapped so that an upload stops at
 * a chosen point (content stored, or commit under way) while the sweep runs; nothing else is replaced.
 */
describeOnDatabases('documents: the abandoned-upload sweep and uploads that outlast it', ({ getDb }) => {
  const cleanups: (() => void)[] = [];
  afterAll(() => {
    for (const cleanup of cleanups) cleanup();
  });
  const setup = async () => {
    const fixtures = await createDocumentsFixtures({ db: getDb(), settings: { abandonedUploadMinutes } });
    cleanups.push(fixtures.deps.cleanup);
    const { db, clock, deps, matter } = fixtures;
    /** The sweep as the job runs it, a little over a day after the upload started. */
    const sweepADayLater = () => {
      clock.advanceBy({ minutes: abandonedUploadMinutes + 1 });
      return sweepAbandonedUploads({
        ...deps,
        startedBefore: new Date(clock.now().getTime() - abandonedUploadMinutes * 60_000),
      });
    };
    const rowsOf = async (table: 'documents' | 'document_versions' | 'document_uploads') =>
      (await db.selectFrom(table).select('id').where('matter_id', '=', matter.id).execute()).length;
    return { ...fixtures, sweepADayLater, rowsOf };
  };

  test('an upload whose content was stored before the sweep took it for abandoned is refused at commit and leaves no version without its blob', async () => {
    const { db, deps, lawyer, matter, sweepADayLater, rowsOf } = await setup();
    const commit = createGate();
    const held = holdBlobPuts({ blobStore: deps.blobStore, wait: () => commit.opened });
    const uploading = uploadDocument({
      ...deps,
      blobStore: held.blobStore,
      principal: lawyer,
      target: { matterId: matter.id, name: 'Exhibit A.pdf' },
      content: readableOf(randomBytes(300_000)),
    });
    uploading.catch(() => undefined);
    await held.stored;

    expect(await sweepADayLater()).toMatchObject({ uploads: 1 });
    commit.open();

    await expectCode(uploading, 'documents.upload_incomplete');
    expect(await rowsOf('documents')).toBe(0);
    expect(await rowsOf('document_versions')).toBe(0);
    expect(await rowsOf('document_uploads')).toBe(0);
    expect(await listBlobKeys(deps.blobStore)).toEqual([]);
    expect(
      (await ledgerEntries(db, 'documents.version_uploaded')).filter((e) => e.data.matterId === matter.id),
    ).toEqual([]);
    expect((await getMatter({ ...deps, principal: lawyer, matterId: matter.id })).usedBytes).toBe(0);
  });

  test('a sweep that runs while an old upload commits leaves its blob, and the committed version reads back', async () => {
    const { deps, lawyer, matter, download, sweepADayLater, rowsOf } = await setup();
    const content = randomBytes(300_000);
    const commit = createGate();
    const held = holdLedgerAppends({
      ledger: deps.ledger,
      kinds: ['documents.version_uploaded'],
      wait: () => commit.opened,
    });
    const uploading = uploadDocument({
      ...deps,
      ledger: held.ledger,
      principal: lawyer,
      target: { matterId: matter.id, name: 'Exhibit B.pdf' },
      content: readableOf(content),
    });
    uploading.catch(() => undefined);
    await held.entered;

    // The commit's transaction is open with its version written; the sweep starts beside it and gets as far
    // as it can (on PostgreSQL, to the upload row the commit holds; on SQLite, to the connection).
    const sweeping = sweepADayLater();
    await sleep(300);
    commit.open();

    const { document } = await uploading;
    const swept = await sweeping;
    expect((await readAll((await download({ documentId: document.id })).body)).equals(content)).toBe(true);
    expect(swept).toMatchObject({ uploads: 0 });
    expect(await rowsOf('document_uploads')).toBe(0);
  });
});
