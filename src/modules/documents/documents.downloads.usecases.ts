import type { AccessGate } from './documents.matter-access.js';
import { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import type { BlobStore } from '../../shared/blobs/blob-store.js';
import type { Clock } from '../../shared/clock/clock.js';
import { isErrorWithCode } from '../../shared/errors/errors.js';
import type { WritDatabase } from '../database.js';
import type { Principal } from '../identity/identity.models.js';
import { createPlaintextDigest } from '../vault/vault.digests.usecases.js';
import { createIntegrityFailedError, createRangeNotSatisfiableError } from '../vault/vault.errors.js';
import type { RootKeyring } from '../vault/vault.keys.models.js';
import { openContentKey, openMatterVault } from '../vault/vault.keys.usecases.js';
import type { DocumentsLedger } from './documents.dependencies.js';
import { actorOf } from './documents.matters.usecases.js';
import type { DocumentSummary, DocumentVersion } from './documents.models.js';
import { requireReadableDocument, requireVersion, toVersion } from './documents.read.js';
import { toDocumentSummary } from './documents.folders.usecases.js';
import type { DocumentVersionsTable } from './documents.tables.js';

/** A byte range as a client asks for it: `bytes=start-end` (end inclusive, optional) or `bytes=-suffix`. */
export type ByteRangeRequest = { start: number; end?: number | undefined } | { suffixLength: number };

export type DocumentDownload = {
  /** The ledger entry recording this download: its receipt is at /api/ledger/receipts/<id>. */
  receiptEntryId: string;
  document: DocumentSummary;
  version: DocumentVersion;
  /** The plaintext range sent, [start, end); undefined for the whole content. */
  range: { start: number; end: number } | undefined;
  /**
   * Plaintext, released one authenticated segment at a time. It errors with `vault.integrity_failed`
   * (after the failure is on the ledger) when a segment does not authenticate or, for a full read, when
   * the whole does not have the recorded length and SHA-256: then before its last bytes are released.
   */
  body: Readable;
};

type DownloadDeps = {
  access: AccessGate;
  db: Kysely<WritDatabase>;
  clock: Clock;
  keyring: RootKeyring;
  ledger: DocumentsLedger;
  blobStore: BlobStore;
};

/** Resolves a requested range against the content's size; RFC 9110 §14.1.2 semantics. */
export function resolveByteRange(request: ByteRangeRequest, size: number): { start: number; end: number } {
  if ('suffixLength' in request) {
    if (request.suffixLength <= 0 || size === 0) throw createRangeNotSatisfiableError({ details: { size } });
    return { start: Math.max(size - request.suffixLength, 0), end: size };
  }
  if (request.start >= size) throw createRangeNotSatisfiableError({ details: { size } });
  const lastByte = request.end === undefined ? size - 1 : Math.min(request.end, size - 1);
  if (lastByte < request.start) throw createRangeNotSatisfiableError({ details: { size } });
  return { start: request.start, end: lastByte + 1 };
}

/**
 * Opens a version's content (the current one unless `version` is given), whole or a range of it, and
 * records the download on the ledger. A range decrypts only the segments it overlaps.
 */
export async function openDocumentContent({
  access,
  db,
  clock,
  keyring,
  ledger,
  blobStore,
  principal,
  documentId,
  version: versionNumber,
  range: requestedRange,
  rangeIfVersionId,
}: DownloadDeps & {
  principal: Principal;
  documentId: string;
  version?: number | undefined;
  range?: ByteRangeRequest | undefined;
  /** Serve the range only if the version opened is this one (HTTP If-Range); otherwise the whole. */
  rangeIfVersionId?: string | undefined;
}): Promise<DocumentDownload> {
  const { document, matter, inherited } = await requireReadableDocument({
    access,
    db,
    clock,
    principal,
    documentId,
  });
  const row = await requireVersion({ db, documentId, version: versionNumber ?? document.current_version });
  const vault = await openMatterVault({ db, keyring, matterId: matter.id });
  const version = toVersion(row, vault);
  const isRangeValid = rangeIfVersionId === undefined || rangeIfVersionId === row.id;
  const rangeRequest = isRangeValid ? requestedRange : undefined;
  const range = rangeRequest === undefined ? undefined : resolveByteRange(rangeRequest, row.size);
  const contentKey = await openContentKey({
    db,
    keyring,
    dataKeyId: row.data_key_id,
    documentId,
    version: row.version,
  });
  const recordFailure = () => recordIntegrityFailure({ db, ledger, principal, row });
  const body =
    range === undefined
      ? await openWhole({ blobStore, row, contentKey, sha256: version.sha256, recordFailure })
      : await openRange({ blobStore, row, contentKey, range, recordFailure });
  const recordDownload = () =>
    db.transaction().execute((trx) =>
      ledger.append({
        db: trx,
        event: {
          kind: 'documents.version_downloaded',
          actor: actorOf(principal),
          data: {
            matterId: matter.id,
            documentId,
            versionId: row.id,
            version: row.version,
            ...(range === undefined ? {} : { range: `${range.start}-${range.end - 1}` }),
          },
        },
      }),
    );
  // A download that is not on the ledger is not served, and its blob is closed now rather than by GC.
  const { entryId } = await recordDownload().catch((error: unknown) => {
    body.destroy();
    throw error;
  });
  return {
    document: toDocumentSummary({ ...document, size: row.size }, vault, inherited),
    version,
    range,
    body,
    receiptEntryId: entryId,
  };
}

type ContentKeyHandle = Awaited<ReturnType<typeof openContentKey>>;

async function openWhole({
  blobStore,
  row,
  contentKey,
  sha256,
  recordFailure,
}: {
  blobStore: BlobStore;
  row: DocumentVersionsTable;
  contentKey: ContentKeyHandle;
  sha256: string;
  recordFailure: () => Promise<void>;
}): Promise<Readable> {
  const reader = await blobStore.openReader?.({ key: row.blob_key });
  const ciphertext = reader ?? (await blobStore.read({ key: row.blob_key }));
  let body: Readable;
  try {
    const pieces = contentKey.decryptWhole({ ciphertextLength: row.ciphertext_size, ciphertext });
    const verified = withheldUntilVerified({ pieces, expectedSha256: sha256, expectedLength: row.size });
    body = toBody(recordingFailures({ source: verified, recordFailure }));
  } catch (error) {
    // Refused before a byte was read (a data key of the wrong size): nothing else will close the blob.
    if (reader === undefined) (ciphertext as Readable).destroy();
    else await reader.close();
    throw error;
  }
  // 'close' comes once the generators have returned, their reads settled, also for a body never read.
  if (reader !== undefined) body.once('close', () => void reader.close().catch(() => undefined));
  return body;
}

/**
 * Passes authenticated plaintext on, holding its last piece back until the whole has the recorded length and
 * SHA-256: a response whose Content-Length is reached looks complete to a client even if it is aborted
 * afterwards, so a mismatch must cut it short before its last bytes.
 */
async function* withheldUntilVerified({
  pieces,
  expectedSha256,
  expectedLength,
}: {
  pieces: AsyncIterable<Buffer>;
  expectedSha256: string;
  expectedLength: number;
}): AsyncGenerator<Buffer, void, undefined> {
  // Hashed on the vault's hashing thread, beside the decryption and the network.
  const hash = createPlaintextDigest();
  try {
    let bytes = 0;
    let held: Buffer | undefined;
    for await (const piece of pieces) {
      if (held !== undefined) yield held;
      await hash.update(piece);
      bytes += piece.length;
      held = piece;
    }
    if (bytes !== expectedLength || (await hash.digest()) !== expectedSha256)
      throw createIntegrityFailedError();
    if (held !== undefined) yield held;
  } finally {
    hash.abandon();
  }
}

/**
 * Rethrows what `source` throws, an integrity failure only once it is on the ledger: a stream destroyed
 * with an error reports it at once to a reader that attaches later, so recording afterwards would race.
 */
async function* recordingFailures({
  source,
  recordFailure,
}: {
  source: AsyncIterable<Buffer>;
  recordFailure: () => Promise<void>;
}): AsyncGenerator<Buffer, void, undefined> {
  try {
    yield* source;
  } catch (error) {
    if (isErrorWithCode({ error, code: 'vault.integrity_failed' }))
      await recordFailure().catch(() => undefined);
    throw error;
  }
}

/**
 * A byte stream that pulls from the generators only as its reader takes bytes (no read-ahead beyond one
 * piece); a reader that goes away (client disconnect) destroys it, which returns the generators and so
 * closes the blob.
 */
function toBody(source: AsyncIterable<Buffer>): Readable {
  return Readable.from(source, { objectMode: false, highWaterMark: 0 });
}

async function openRange({
  blobStore,
  row,
  contentKey,
  range,
  recordFailure,
}: {
  blobStore: BlobStore;
  row: DocumentVersionsTable;
  contentKey: ContentKeyHandle;
  range: { start: number; end: number };
  recordFailure: () => Promise<void>;
}): Promise<Readable> {
  let decryptor;
  try {
    decryptor = await contentKey.openRange({
      ciphertextLength: row.ciphertext_size,
      readCiphertext: ({ start, end }) => blobStore.readRange({ key: row.blob_key, start, end }),
    });
  } catch (error) {
    if (isErrorWithCode({ error, code: 'vault.integrity_failed' })) await recordFailure();
    throw error;
  }
  return toBody(recordingFailures({ source: decryptor.decryptRange(range), recordFailure }));
}

async function recordIntegrityFailure({
  db,
  ledger,
  principal,
  row,
}: {
  db: Kysely<WritDatabase>;
  ledger: DocumentsLedger;
  principal: Principal;
  row: DocumentVersionsTable;
}): Promise<void> {
  await db.transaction().execute((trx) =>
    ledger.append({
      db: trx,
      event: {
        kind: 'documents.integrity_failed',
        actor: actorOf(principal),
        data: {
          matterId: row.matter_id,
          documentId: row.document_id,
          versionId: row.id,
          version: row.version,
        },
      },
    }),
  );
}
