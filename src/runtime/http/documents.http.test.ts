import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { listBlobKeys, listFilesUnder } from '../../../test/support/documents.js';
import type { Role } from '../../modules/identity/identity.models.js';
import { sessionCookieName } from '../../modules/identity/identity.sessions.cookies.js';
import { type Caller, createAccountsHttpHarness } from './accounts.http.test-utils.js';

/** Matters, folders and documents over the real HTTP front door: uploads, ranged downloads, access. */
const maxUploadBytes = 1024 * 1024;
let harness: Awaited<ReturnType<typeof createAccountsHttpHarness>>;
beforeAll(async () => {
  harness = await createAccountsHttpHarness({ documentsSettings: { maxUploadBytes } });
});
afterAll(() => harness.close());
const call = (caller: Caller | undefined, options: InjectOptions) => harness.call(caller, options);
const signedIn = (role: Role) => harness.signedIn(role);

type MatterJson = { id: string; rootFolderId: string };
type FolderJson = { id: string; name: string; parentId?: string; trashedAt?: string };
type DocumentJson = { id: string; name: string; currentVersion: number; folderId: string; size: number };
type UploadJson = {
  document: DocumentJson;
  version: { id: string; version: number; sha256: string; size: number; mediaType: string };
  created: boolean;
};
type ListingJson = {
  folder: FolderJson;
  path: FolderJson[];
  folders: FolderJson[];
  documents: DocumentJson[];
};

const sha256Hex = (content: Buffer) => createHash('sha256').update(content).digest('hex');
const sha256Base64 = (content: Buffer) => createHash('sha256').update(content).digest('base64');

/** Asserts an RFC 9457 problem with its stable code. */
function expectProblem(response: LightMyRequestResponse, status: number, code: string): void {
  expect({ status: response.statusCode, body: response.body }).toMatchObject({ status });
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json\b/);
  expect(response.json()).toMatchObject({ status, code });
}

/** A multipart/form-data body built by hand: the fields first, then one file part. */
function multipartBody({
  fields,
  file,
}: {
  fields: [string, string][];
  file: { filename: string; contentType: string; content: Buffer };
}): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----writ-test-${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const [name, value] of fields) {
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
    );
  }
  chunks.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.filename}"\r\n` +
        `Content-Type: ${file.contentType}\r\n\r\n`,
    ),
    file.content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return {
    payload: Buffer.concat(chunks),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

async function createMatter(caller: Caller, name = 'Smith v Jones'): Promise<MatterJson> {
  const response = await call(caller, { method: 'POST', url: '/api/matters', payload: { name } });
  expect(response.statusCode).toBe(201);
  return response.json<MatterJson>();
}

async function createFolder(
  caller: Caller,
  matterId: string,
  name: string,
  parentId?: string,
): Promise<FolderJson> {
  const response = await call(caller, {
    method: 'POST',
    url: `/api/matters/${matterId}/folders`,
    payload: parentId === undefined ? { name } : { name, parentId },
  });
  expect(response.statusCode).toBe(201);
  return response.json<FolderJson>();
}

function uploadRaw(
  caller: Caller | undefined,
  {
    matterId,
    name,
    folderId,
    mediaType,
    content,
    headers = {},
  }: {
    matterId: string;
    name: string;
    folderId?: string;
    mediaType?: string;
    content: Buffer | Readable;
    headers?: Record<string, string>;
  },
) {
  const query = new URLSearchParams({ name });
  if (folderId !== undefined) query.set('folderId', folderId);
  if (mediaType !== undefined) query.set('mediaType', mediaType);
  return call(caller, {
    method: 'POST',
    url: `/api/matters/${matterId}/documents?${query.toString()}`,
    headers: { 'content-type': 'application/octet-stream', ...headers },
    payload: content,
  });
}

async function listFolder(caller: Caller, matterId: string, folderId: string): Promise<ListingJson> {
  const response = await call(caller, { method: 'GET', url: `/api/matters/${matterId}/folders/${folderId}` });
  expect(response.statusCode).toBe(200);
  return response.json<ListingJson>();
}

const download = (caller: Caller | undefined, documentId: string, options: Partial<InjectOptions> = {}) =>
  call(caller, { method: 'GET', url: `/api/documents/${documentId}/content`, ...options });

/** What the blob store holds: committed blobs and anything left in its temporary directory. */
async function storedBlobs() {
  return {
    keys: await listBlobKeys(harness.documents.blobStore),
    files: listFilesUnder(harness.documents.blobRoot).length,
  };
}

describe('documents over HTTP: uploads', () => {
  test('a lawyer opens a matter and a folder, uploads raw, adds a version by name, and uploads multipart', async () => {
    const { caller } = await signedIn('lawyer');
    const matter = await createMatter(caller);
    const folder = await createFolder(caller, matter.id, 'Pleadings');

    const first = randomBytes(200_000);
    const created = await uploadRaw(caller, {
      matterId: matter.id,
      name: 'Brief.pdf',
      folderId: folder.id,
      content: first,
    });
    expect(created.statusCode).toBe(201);
    const upload = created.json<UploadJson>();
    expect(upload).toMatchObject({
      created: true,
      document: { name: 'Brief.pdf', folderId: folder.id, currentVersion: 1, size: first.length },
      version: { version: 1, size: first.length, sha256: sha256Hex(first) },
    });
    expect(created.json<{ receiptUrl: string }>().receiptUrl).toMatch(
      /^\/api\/ledger\/receipts\/evt_[0-9a-z]{26}$/,
    );

    const second = randomBytes(1000);
    const versioned = await uploadRaw(caller, {
      matterId: matter.id,
      name: 'Brief.pdf',
      folderId: folder.id,
      content: second,
    });
    expect(versioned.statusCode).toBe(200);
    expect(versioned.json<UploadJson>()).toMatchObject({
      created: false,
      document: { id: upload.document.id, currentVersion: 2 },
      version: { version: 2, sha256: sha256Hex(second) },
    });

    const content = randomBytes(50_000);
    const form = multipartBody({
      fields: [
        ['name', 'Exhibit A.pdf'],
        ['sha256', sha256Hex(content).toUpperCase()],
      ],
      file: { filename: 'ignored.pdf', contentType: 'application/pdf', content },
    });
    const multipart = await call(caller, {
      method: 'POST',
      url: `/api/matters/${matter.id}/documents?folderId=${folder.id}`,
      ...form,
    });
    expect(multipart.statusCode).toBe(201);
    expect(multipart.json<UploadJson>()).toMatchObject({
      created: true,
      document: { name: 'Exhibit A.pdf', folderId: folder.id },
      version: { version: 1, sha256: sha256Hex(content), mediaType: 'application/pdf' },
    });

    const listing = await listFolder(caller, matter.id, folder.id);
    expect(listing.documents.map((document) => document.name).sort()).toEqual(['Brief.pdf', 'Exhibit A.pdf']);
    expect(listing.path.map((entry) => entry.id)).toContain(matter.rootFolderId);
  });

  test('announced digests: right ones are accepted, a wrong one stores nothing (422), a malformed one is refused (400)', async () => {
    const { caller } = await signedIn('lawyer');
    const matter = await createMatter(caller);
    const folder = await createFolder(caller, matter.id, 'Digests');
    const content = randomBytes(70_000);
    const other = randomBytes(32);

    const repr = await uploadRaw(caller, {
      matterId: matter.id,
      name: 'repr.bin',
      folderId: folder.id,
      content,
      headers: { 'repr-digest': `sha-256=:${sha256Base64(content)}:` },
    });
    expect(repr.statusCode).toBe(201);
    const hex = await uploadRaw(caller, {
      matterId: matter.id,
      name: 'hex.bin',
      folderId: folder.id,
      content,
      headers: { 'x-content-sha256': sha256Hex(content) },
    });
    expect(hex.statusCode).toBe(201);

    const before = await storedBlobs();
    const refusals: Record<string, string>[] = [
      { 'repr-digest': `sha-256=:${sha256Base64(other)}:` },
      { 'x-content-sha256': sha256Hex(other) },
    ];
    for (const headers of refusals) {
      const response = await uploadRaw(caller, {
        matterId: matter.id,
        name: 'wrong.bin',
        folderId: folder.id,
        content,
        headers,
      });
      expectProblem(response, 422, 'documents.checksum_mismatch');
    }
    const wrongMultipart = await call(caller, {
      method: 'POST',
      url: `/api/matters/${matter.id}/documents?folderId=${folder.id}`,
      ...multipartBody({
        fields: [
          ['name', 'wrong.bin'],
          ['sha256', sha256Hex(other)],
        ],
        file: { filename: 'wrong.bin', contentType: 'application/octet-stream', content },
      }),
    });
    expectProblem(wrongMultipart, 422, 'documents.checksum_mismatch');
    // A version of an existing document that does not match leaves it at version 1.
    const wrongVersion = await uploadRaw(caller, {
      matterId: matter.id,
      name: 'repr.bin',
      folderId: folder.id,
      content: other,
      headers: { 'x-content-sha256': sha256Hex(content) },
    });
    expectProblem(wrongVersion, 422, 'documents.checksum_mismatch');

    for (const headers of [
      { 'repr-digest': 'sha-256=:not base64:' } as Record<string, string>,
      { 'repr-digest': 'md5=:AAAAAAAAAAAAAAAAAAAAAA==:' },
      { 'x-content-sha256': 'abc' },
    ]) {
      const response = await uploadRaw(caller, {
        matterId: matter.id,
        name: 'malformed.bin',
        folderId: folder.id,
        content,
        headers,
      });
      expectProblem(response, 400, 'documents.checksum_invalid');
    }

    const listing = await listFolder(caller, matter.id, folder.id);
    expect(listing.documents.map((document) => [document.name, document.currentVersion]).sort()).toEqual([
      ['hex.bin', 1],
      ['repr.bin', 1],
    ]);
    expect(await storedBlobs()).toEqual(before);
    expect(await harness.documents.db.selectFrom('document_uploads').selectAll().execute()).toEqual([]);
  });

  test('names: traversal, slashes and control characters are refused with name_invalid', async () => {
    const { caller } = await signedIn('lawyer');
    const matter = await createMatter(caller);
    for (const name of ['../../etc/passwd', 'a/b', 'a\\b', '..', 'evil\r\nx-injected: 1', 'tab\there', '']) {
      const response = await uploadRaw(caller, { matterId: matter.id, name, content: randomBytes(10) });
      expect(response.statusCode, JSON.stringify(name)).toBe(400);
      if (name !== '') expectProblem(response, 400, 'documents.name_invalid');
    }
    const multipart = await call(caller, {
      method: 'POST',
      url: `/api/matters/${matter.id}/documents`,
      ...multipartBody({
        fields: [['name', '../../etc/passwd']],
        file: { filename: 'x', contentType: 'text/plain', content: randomBytes(10) },
      }),
    });
    expectProblem(multipart, 400, 'documents.name_invalid');
    expect((await listFolder(caller, matter.id, matter.rootFolderId)).documents).toEqual([]);
  });

  test('too large, wrong content type, missing file, malformed ids: refused, nothing stored', async () => {
    const { caller } = await signedIn('lawyer');
    const matter = await createMatter(caller);
    const before = await storedBlobs();
    const big = randomBytes(2 * maxUploadBytes);

    const declared = await uploadRaw(caller, { matterId: matter.id, name: 'big.bin', content: big });
    expectProblem(declared, 413, 'documents.upload_too_large');
    const multipart = await call(caller, {
      method: 'POST',
      url: `/api/matters/${matter.id}/documents`,
      ...multipartBody({
        fields: [['name', 'big.bin']],
        file: { filename: 'big.bin', contentType: 'application/octet-stream', content: big },
      }),
    });
    expectProblem(multipart, 413, 'documents.upload_too_large');
    const exact = await uploadRaw(caller, {
      matterId: matter.id,
      name: 'exact.bin',
      content: big.subarray(0, maxUploadBytes),
    });
    expect(exact.statusCode).toBe(201);
    await call(caller, {
      method: 'POST',
      url: `/api/documents/${exact.json<UploadJson>().document.id}/trash`,
    });

    const text = await call(caller, {
      method: 'POST',
      url: `/api/matters/${matter.id}/documents?name=note.txt`,
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expectProblem(text, 415, 'http.unsupported_media_type');
    const noFile = await call(caller, {
      method: 'POST',
      url: `/api/matters/${matter.id}/documents`,
      headers: { 'content-type': 'multipart/form-data; boundary=xyz' },
      payload: '--xyz\r\nContent-Disposition: form-data; name="name"\r\n\r\nx.pdf\r\n--xyz--\r\n',
    });
    expectProblem(noFile, 400, 'documents.upload_missing_file');

    for (const url of [
      '/api/documents/not-an-id/content',
      '/api/documents/doc_..%2F..%2Fetc/content',
      '/api/documents/doc_ABCDEFGHIJKLMNOPQRSTUVWXYZ/content',
      `/api/documents/doc_${'a'.repeat(40)}`,
    ]) {
      expect((await call(caller, { method: 'GET', url })).statusCode, url).toBe(400);
    }
    expect(
      (await uploadRaw(caller, { matterId: 'mat_%2E%2E%2Fx', name: 'x.bin', content: randomBytes(4) }))
        .statusCode,
    ).toBe(400);

    const listing = await listFolder(caller, matter.id, matter.rootFolderId);
    expect(listing.documents).toEqual([]);
    const after = await storedBlobs();
    expect(after.keys).toHaveLength(before.keys.length + 1);
    expect(after.files).toBe(before.files + 1);
    expect(await harness.documents.db.selectFrom('document_uploads').selectAll().execute()).toEqual([]);
  });
});

describe('documents over HTTP: a real socket', () => {
  /** A chunked upload (no Content-Length) over a real connection: the answer and whether it arrived. */
  function postChunked({ url, caller, chunks }: { url: string; caller: Caller; chunks: Buffer[] }) {
    const { port } = harness.app.server.address() as AddressInfo;
    return new Promise<{ status: number | undefined; body: string } | { error: string }>((resolve) => {
      const request = httpRequest(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: url,
          agent: false,
          headers: {
            'content-type': 'application/octet-stream',
            cookie: `${sessionCookieName}=${caller.cookie ?? ''}`,
            'x-csrf-token': caller.csrf ?? '',
          },
        },
        (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (body += chunk));
          response.on('end', () => {
            resolve({ status: response.statusCode, body });
          });
        },
      );
      request.on('error', (error) => {
        resolve({ error: error.message });
      });
      for (const chunk of chunks.slice(0, -1)) request.write(chunk);
      request.end(chunks.at(-1));
    });
  }

  test('a chunked upload past the limit is answered 413 (not a reset) and stores nothing; one within it is stored', async () => {
    const { caller } = await signedIn('lawyer');
    const matter = await createMatter(caller);
    await harness.app.listen({ host: '127.0.0.1', port: 0 });
    const before = await storedBlobs();
    const big = randomBytes(2 * maxUploadBytes);
    const refused = await postChunked({
      url: `/api/matters/${matter.id}/documents?name=big.bin`,
      caller,
      chunks: [big.subarray(0, maxUploadBytes), big.subarray(maxUploadBytes)],
    });
    expect(refused).toMatchObject({ status: 413 });
    expect(JSON.parse((refused as { body: string }).body)).toMatchObject({
      code: 'documents.upload_too_large',
    });
    expect(await storedBlobs()).toEqual(before);

    const small = randomBytes(300_000);
    const stored = await postChunked({
      url: `/api/matters/${matter.id}/documents?name=small.bin`,
      caller,
      chunks: [small.subarray(0, 100_000), small.subarray(100_000)],
    });
    expect(stored).toMatchObject({ status: 201 });
    expect(JSON.parse((stored as { body: string }).body)).toMatchObject({
      version: { size: small.length, sha256: sha256Hex(small) },
    });
    expect((await listFolder(caller, matter.id, matter.rootFolderId)).documents.map((d) => d.name)).toEqual([
      'small.bin',
    ]);
    expect(await harness.documents.db.selectFrom('document_uploads').selectAll().execute()).toEqual([]);
  });
});

describe('documents over HTTP: downloads', () => {
  let caller: Caller;
  let matter: MatterJson;
  let documentId: string;
  let etag: string;
  const first = randomBytes(150_000);
  const second = randomBytes(300_000);

  beforeAll(async () => {
    ({ caller } = await signedIn('lawyer'));
    matter = await createMatter(caller);
    const uploaded = await uploadRaw(caller, { matterId: matter.id, name: 'Brief.bin', content: first });
    documentId = uploaded.json<UploadJson>().document.id;
    const again = await uploadRaw(caller, { matterId: matter.id, name: 'Brief.bin', content: second });
    expect(again.statusCode).toBe(200);
    etag = `"${again.json<UploadJson>().version.id}"`;
  });

  test('a whole download: exact bytes, no caching, ETag, ranges accepted, octet-stream, attachment, Repr-Digest', async () => {
    const response = await download(caller, documentId);
    expect(response.statusCode).toBe(200);
    expect(response.rawPayload.equals(second)).toBe(true);
    expect(response.headers).toMatchObject({
      'cache-control': 'no-store',
      etag,
      'accept-ranges': 'bytes',
      'content-type': 'application/octet-stream',
      'content-length': String(second.length),
      'content-disposition': `attachment; filename="Brief.bin"; filename*=UTF-8''Brief.bin`,
      'repr-digest': `sha-256=:${sha256Base64(second)}:`,
      'x-content-type-options': 'nosniff',
    });
    expect(response.headers['x-writ-receipt']).toMatch(/^\/api\/ledger\/receipts\/evt_[0-9a-z]{26}$/);

    const old = await download(caller, documentId, { query: { version: '1' } });
    expect(old.statusCode).toBe(200);
    expect(old.rawPayload.equals(first)).toBe(true);
    expect(old.headers['repr-digest']).toBe(`sha-256=:${sha256Base64(first)}:`);
    expect(old.headers.etag).not.toBe(etag);
    const missing = await download(caller, documentId, { query: { version: '3' } });
    expectProblem(missing, 404, 'documents.version_not_found');
    expect((await download(caller, documentId, { query: { version: '0' } })).statusCode).toBe(400);
  });

  test('ranges: a first range, a suffix, one beyond the end (416), several (whole), If-Range', async () => {
    const head = await download(caller, documentId, { headers: { range: 'bytes=0-9' } });
    expect(head.statusCode).toBe(206);
    expect(head.rawPayload.equals(second.subarray(0, 10))).toBe(true);
    expect(head.headers).toMatchObject({
      'content-range': `bytes 0-9/${second.length}`,
      'content-length': '10',
      etag,
      'cache-control': 'no-store',
    });

    const middle = await download(caller, documentId, { headers: { range: 'bytes=70000-200000' } });
    expect(middle.statusCode).toBe(206);
    expect(middle.rawPayload.equals(second.subarray(70_000, 200_001))).toBe(true);

    const suffix = await download(caller, documentId, { headers: { range: 'bytes=-500' } });
    expect(suffix.statusCode).toBe(206);
    expect(suffix.rawPayload.equals(second.subarray(second.length - 500))).toBe(true);
    expect(suffix.headers['content-range']).toBe(
      `bytes ${second.length - 500}-${second.length - 1}/${second.length}`,
    );

    const beyond = await download(caller, documentId, { headers: { range: 'bytes=5000000-' } });
    expectProblem(beyond, 416, 'vault.range_not_satisfiable');
    expect(beyond.headers['content-range']).toBe(`bytes */${second.length}`);

    const several = await download(caller, documentId, { headers: { range: 'bytes=0-9,20-29' } });
    expect(several.statusCode).toBe(200);
    expect(several.rawPayload.equals(second)).toBe(true);

    const ifRange = await download(caller, documentId, { headers: { range: 'bytes=0-9', 'if-range': etag } });
    expect(ifRange.statusCode).toBe(206);
    expect(ifRange.rawPayload.equals(second.subarray(0, 10))).toBe(true);
    for (const stale of ['"ver_00000000000000000000000000"', 'Wed, 21 Oct 2015 07:28:00 GMT', 'W/"x"']) {
      const whole = await download(caller, documentId, {
        headers: { range: 'bytes=0-9', 'if-range': stale },
      });
      expect(whole.statusCode, stale).toBe(200);
      expect(whole.rawPayload.equals(second)).toBe(true);
    }

    const oldRange = await download(caller, documentId, {
      query: { version: '1' },
      headers: { range: 'bytes=-10' },
    });
    expect(oldRange.statusCode).toBe(206);
    expect(oldRange.rawPayload.equals(first.subarray(first.length - 10))).toBe(true);
  });

  test('Content-Disposition is safe for hostile and non-ASCII names; inline only for previewable types, sandboxed', async () => {
    const names = ['Überweisung – März.pdf', 'a"b;c%d.pdf', 'quote" ; filename=evil.exe', '日本語 (1).pdf'];
    for (const name of names) {
      const content = randomBytes(100);
      const uploaded = await uploadRaw(caller, { matterId: matter.id, name, content });
      expect(uploaded.statusCode, name).toBe(201);
      const response = await download(caller, uploaded.json<UploadJson>().document.id);
      const header = response.headers['content-disposition'];
      expect(typeof header).toBe('string');
      const disposition = String(header);
      // One filename parameter (no quote or semicolon escapes it), printable ASCII only.
      expect(disposition).toMatch(
        /^attachment; filename="[\x20-\x21\x23-\x7e]*"; filename\*=UTF-8''[\x21-\x7e]+$/,
      );
      // Outside the quoted fallback there are exactly the two parameters.
      expect(disposition.replace(/"[^"]*"/g, '""').match(/filename\*?=/g)).toEqual([
        'filename=',
        'filename*=',
      ]);
      const [, fallback = ''] = /filename="([^"]*)"/.exec(disposition) ?? [];
      expect(fallback).not.toMatch(/[;%\\/]/);
      const [, encoded = ''] = /filename\*=UTF-8''(\S+)$/.exec(disposition) ?? [];
      expect(decodeURIComponent(encoded)).toBe(name);
    }

    const pdf = await uploadRaw(caller, {
      matterId: matter.id,
      name: 'Preview.pdf',
      mediaType: 'application/pdf',
      content: Buffer.from('%PDF-1.7\n'),
    });
    const inline = await download(caller, pdf.json<UploadJson>().document.id, {
      query: { disposition: 'inline' },
    });
    expect(inline.headers['content-type']).toBe('application/pdf');
    expect(inline.headers['content-disposition']).toMatch(/^inline; /);
    expect(inline.headers['content-security-policy']).toMatch(/^sandbox\b/);
    expect(inline.headers['content-security-policy']).toContain("default-src 'none'");

    const html = await uploadRaw(caller, {
      matterId: matter.id,
      name: 'page.html',
      mediaType: 'text/html',
      content: Buffer.from('<script>alert(1)</script>'),
    });
    expect(html.json<UploadJson>().version.mediaType).toBe('text/html');
    const notInline = await download(caller, html.json<UploadJson>().document.id, {
      query: { disposition: 'inline' },
    });
    expect(notInline.headers['content-type']).toBe('application/octet-stream');
    expect(notInline.headers['content-disposition']).toMatch(/^attachment; /);
    expect((await download(caller, documentId, { query: { disposition: 'evil' } })).statusCode).toBe(400);
  });
});

describe('documents over HTTP: who may do what', () => {
  test("another lawyer gets 404 for the matter's ids; a viewer reads but may not upload", async () => {
    const { caller: owner } = await signedIn('lawyer');
    const { caller: stranger } = await signedIn('lawyer');
    const { user: viewerUser, caller: viewer } = await signedIn('assistant');
    const matter = await createMatter(owner);
    const folder = await createFolder(owner, matter.id, 'Private');
    const content = randomBytes(5000);
    const uploaded = await uploadRaw(owner, {
      matterId: matter.id,
      name: 'a.bin',
      folderId: folder.id,
      content,
    });
    const documentId = uploaded.json<UploadJson>().document.id;

    const attempts: [string, InjectOptions][] = [
      ['documents.matter_not_found', { method: 'GET', url: `/api/matters/${matter.id}` }],
      [
        'documents.matter_not_found',
        { method: 'GET', url: `/api/matters/${matter.id}/folders/${folder.id}` },
      ],
      ['documents.matter_not_found', { method: 'GET', url: `/api/matters/${matter.id}/trash` }],
      [
        'documents.matter_not_found',
        { method: 'POST', url: `/api/matters/${matter.id}/folders`, payload: { name: 'x' } },
      ],
      ['documents.document_not_found', { method: 'GET', url: `/api/documents/${documentId}` }],
      ['documents.document_not_found', { method: 'GET', url: `/api/documents/${documentId}/content` }],
      [
        'documents.document_not_found',
        { method: 'PATCH', url: `/api/documents/${documentId}`, payload: { name: 'stolen.bin' } },
      ],
      ['documents.document_not_found', { method: 'POST', url: `/api/documents/${documentId}/trash` }],
      [
        'documents.document_not_found',
        {
          method: 'POST',
          url: `/api/documents/${documentId}/versions`,
          headers: { 'content-type': 'application/octet-stream' },
          payload: randomBytes(10),
        },
      ],
    ];
    for (const [code, options] of attempts) {
      expectProblem(await call(stranger, options), 404, code);
    }
    const strangerUpload = await uploadRaw(stranger, {
      matterId: matter.id,
      name: 'b.bin',
      folderId: folder.id,
      content: randomBytes(10),
    });
    expectProblem(strangerUpload, 404, 'documents.matter_not_found');
    expect((await call(stranger, { method: 'GET', url: '/api/matters' })).json()).toEqual({ matters: [] });

    const added = await call(owner, {
      method: 'PUT',
      url: `/api/matters/${matter.id}/members/${viewerUser.id}`,
      payload: { role: 'viewer' },
    });
    expect(added.statusCode).toBe(200);
    const read = await download(viewer, documentId);
    expect(read.statusCode).toBe(200);
    expect(read.rawPayload.equals(content)).toBe(true);
    expect((await listFolder(viewer, matter.id, folder.id)).documents).toHaveLength(1);
    const viewerUpload = await uploadRaw(viewer, {
      matterId: matter.id,
      name: 'c.bin',
      folderId: folder.id,
      content: randomBytes(10),
    });
    expectProblem(viewerUpload, 403, 'documents.action_forbidden');
    const viewerVersion = await call(viewer, {
      method: 'POST',
      url: `/api/documents/${documentId}/versions`,
      headers: { 'content-type': 'application/octet-stream' },
      payload: randomBytes(10),
    });
    expectProblem(viewerVersion, 403, 'documents.action_forbidden');
    expectProblem(
      await call(viewer, { method: 'POST', url: `/api/documents/${documentId}/trash` }),
      403,
      'documents.action_forbidden',
    );
    expect((await listFolder(owner, matter.id, folder.id)).documents.map((d) => d.name)).toEqual(['a.bin']);
  });

  test('a cookie upload without the CSRF token is refused; an API token uploads only with documents:write', async () => {
    const { caller } = await signedIn('lawyer');
    const matter = await createMatter(caller);
    const noCsrf = await uploadRaw(
      { cookie: caller.cookie, csrf: undefined },
      { matterId: matter.id, name: 'x.bin', content: randomBytes(10) },
    );
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.json()).toMatchObject({ code: 'identity.csrf_failed' });
    const wrongCsrf = await uploadRaw(
      { cookie: caller.cookie, csrf: 'not-the-token' },
      { matterId: matter.id, name: 'x.bin', content: randomBytes(10) },
    );
    expect(wrongCsrf.statusCode).toBe(403);
    const content = randomBytes(4000);
    const uploaded = await uploadRaw(caller, { matterId: matter.id, name: 'x.bin', content });
    expect(uploaded.statusCode).toBe(201);
    const documentId = uploaded.json<UploadJson>().document.id;

    const tokenFor = async (scopes: string[]): Promise<Caller> => {
      const created = await call(caller, {
        method: 'POST',
        url: '/api/tokens',
        payload: { name: `script ${scopes.join(' ')}`, scopes, expiresInDays: 30 },
      });
      expect(created.statusCode).toBe(201);
      return { cookie: undefined, csrf: undefined, bearer: created.json<{ token: string }>().token };
    };
    const reader = await tokenFor(['documents:read']);
    const read = await download(reader, documentId);
    expect(read.statusCode).toBe(200);
    expect(read.rawPayload.equals(content)).toBe(true);
    const refused = await uploadRaw(reader, { matterId: matter.id, name: 'y.bin', content: randomBytes(10) });
    expectProblem(refused, 403, 'identity.api_token_scope_missing');

    const writer = await tokenFor(['documents:write']);
    const written = await uploadRaw(writer, { matterId: matter.id, name: 'y.bin', content: randomBytes(10) });
    expect(written.statusCode).toBe(201);
    expect(
      (await listFolder(caller, matter.id, matter.rootFolderId)).documents.map((d) => d.name).sort(),
    ).toEqual(['x.bin', 'y.bin']);
    expect(
      (await uploadRaw(undefined, { matterId: matter.id, name: 'z.bin', content: randomBytes(1) }))
        .statusCode,
    ).toBe(401);
  });
});

describe('documents over HTTP: edge cases', () => {
  test('an empty file, a name as long as allowed, a name taken by a folder, a name differing only in case', async () => {
    const { caller } = await signedIn('lawyer');
    const matter = await createMatter(caller);
    await createFolder(caller, matter.id, 'Pleadings');

    const empty = await uploadRaw(caller, {
      matterId: matter.id,
      name: 'empty.txt',
      content: Buffer.alloc(0),
    });
    expect(empty.statusCode).toBe(201);
    expect(empty.json<UploadJson>().version).toMatchObject({ size: 0, sha256: sha256Hex(Buffer.alloc(0)) });
    const emptyId = empty.json<UploadJson>().document.id;
    const whole = await download(caller, emptyId);
    expect(whole.statusCode).toBe(200);
    expect(whole.rawPayload).toHaveLength(0);
    expect(whole.headers['content-length']).toBe('0');
    const range = await download(caller, emptyId, { headers: { range: 'bytes=0-0' } });
    expectProblem(range, 416, 'vault.range_not_satisfiable');
    expect(range.headers['content-range']).toBe('bytes */0');

    const longest = 'x'.repeat(251) + '.pdf';
    expect(
      (await uploadRaw(caller, { matterId: matter.id, name: longest, content: randomBytes(3) })).statusCode,
    ).toBe(201);
    expectProblem(
      await uploadRaw(caller, { matterId: matter.id, name: `y${longest}`, content: randomBytes(3) }),
      400,
      'documents.name_invalid',
    );
    expectProblem(
      await uploadRaw(caller, { matterId: matter.id, name: 'Pleadings', content: randomBytes(3) }),
      409,
      'documents.name_taken',
    );
    const upper = await uploadRaw(caller, {
      matterId: matter.id,
      name: 'EMPTY.TXT',
      content: randomBytes(3),
    });
    expect(upper.statusCode).toBe(200);
    expect(upper.json<UploadJson>()).toMatchObject({ document: { id: emptyId, currentVersion: 2 } });
    const old = await download(caller, emptyId, { query: { version: '1' } });
    expect(old.statusCode).toBe(200);
    expect(old.rawPayload).toHaveLength(0);
  });
});

describe('documents over HTTP: organising', () => {
  test('folders are renamed, moved, trashed and restored; the trash lists them; documents move and rename', async () => {
    const { caller } = await signedIn('lawyer');
    const matter = await createMatter(caller);
    const a = await createFolder(caller, matter.id, 'A');
    const b = await createFolder(caller, matter.id, 'B');
    const child = await createFolder(caller, matter.id, 'Child', a.id);
    const uploaded = await uploadRaw(caller, {
      matterId: matter.id,
      name: 'doc.bin',
      folderId: child.id,
      content: randomBytes(100),
    });
    const documentId = uploaded.json<UploadJson>().document.id;

    const renamed = await call(caller, {
      method: 'PATCH',
      url: `/api/matters/${matter.id}/folders/${child.id}`,
      payload: { name: 'Renamed' },
    });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json()).toMatchObject({ name: 'Renamed', parentId: a.id });
    const moved = await call(caller, {
      method: 'PATCH',
      url: `/api/matters/${matter.id}/folders/${child.id}`,
      payload: { parentId: b.id },
    });
    expect(moved.json()).toMatchObject({ name: 'Renamed', parentId: b.id });
    expectProblem(
      await call(caller, {
        method: 'PATCH',
        url: `/api/matters/${matter.id}/folders/${b.id}`,
        payload: { parentId: child.id },
      }),
      409,
      'documents.folder_move_invalid',
    );
    expectProblem(
      await call(caller, {
        method: 'PATCH',
        url: `/api/matters/${matter.id}/folders/${a.id}`,
        payload: { name: 'b' },
      }),
      409,
      'documents.name_taken',
    );
    expectProblem(
      await call(caller, {
        method: 'PATCH',
        url: `/api/matters/${matter.id}/folders/${a.id}`,
        payload: { name: '../x' },
      }),
      400,
      'documents.name_invalid',
    );
    expect(
      (await call(caller, { method: 'PATCH', url: `/api/matters/${matter.id}/folders/${a.id}`, payload: {} }))
        .statusCode,
    ).toBe(400);
    const listingB = await listFolder(caller, matter.id, b.id);
    expect(listingB.folders.map((folder) => folder.name)).toEqual(['Renamed']);

    const trashed = await call(caller, {
      method: 'POST',
      url: `/api/matters/${matter.id}/folders/${b.id}/trash`,
    });
    expect(trashed.statusCode).toBe(204);
    const trash = await call(caller, { method: 'GET', url: `/api/matters/${matter.id}/trash` });
    expect(trash.statusCode).toBe(200);
    expect(trash.json<{ folders: FolderJson[] }>().folders.map((folder) => folder.id)).toContain(b.id);
    const root = await listFolder(caller, matter.id, matter.rootFolderId);
    expect(root.folders.map((folder) => folder.name)).toEqual(['A']);
    const restored = await call(caller, {
      method: 'POST',
      url: `/api/matters/${matter.id}/folders/${b.id}/restore`,
    });
    expect(restored.statusCode).toBe(204);
    expect(
      (await listFolder(caller, matter.id, matter.rootFolderId)).folders.map((f) => f.name).sort(),
    ).toEqual(['A', 'B']);
    expect((await listFolder(caller, matter.id, child.id)).documents.map((d) => d.id)).toEqual([documentId]);

    const docMoved = await call(caller, {
      method: 'PATCH',
      url: `/api/documents/${documentId}`,
      payload: { name: 'Final.bin', folderId: a.id },
    });
    expect(docMoved.statusCode).toBe(200);
    expect(docMoved.json()).toMatchObject({ name: 'Final.bin', folderId: a.id });
    expect(
      (await call(caller, { method: 'POST', url: `/api/documents/${documentId}/trash` })).statusCode,
    ).toBe(204);
    const trashAfter = await call(caller, { method: 'GET', url: `/api/matters/${matter.id}/trash` });
    expect(trashAfter.json<{ documents: DocumentJson[] }>().documents.map((d) => d.id)).toEqual([documentId]);
    expect((await listFolder(caller, matter.id, a.id)).documents).toEqual([]);
    expectProblem(
      await call(caller, {
        method: 'POST',
        url: `/api/documents/${documentId}/versions`,
        headers: { 'content-type': 'application/octet-stream' },
        payload: randomBytes(10),
      }),
      409,
      'documents.document_trashed',
    );
    expect(
      (await call(caller, { method: 'POST', url: `/api/documents/${documentId}/restore` })).statusCode,
    ).toBe(204);
    expect((await listFolder(caller, matter.id, a.id)).documents.map((d) => d.name)).toEqual(['Final.bin']);
  });
});
