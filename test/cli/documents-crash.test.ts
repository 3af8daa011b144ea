import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  cleanupCli,
  createCliWorkspace,
  querySqlite,
  readServerCertificate,
  requestHttps,
  startWritServer,
} from '../support/cli.js';
import {
  createLawyer,
  filesUnder,
  reconnect,
  type SignedInClient,
  signInLawyer,
  startPartialUpload,
  waitFor,
} from '../support/documents-cli.js';

/** Uploads cut off by the client or by the server's death leave nothing behind: no document, no row, no blob. */
const mib = 1024 * 1024;

type Matter = { id: string; rootFolderId: string };

async function openMatter(client: SignedInClient): Promise<Matter> {
  const created = await client.json('POST', '/api/matters', { name: 'Crash v Test' });
  expect(created.status, created.text).toBe(201);
  return created.json() as Matter;
}

async function documentsIn(client: SignedInClient, matter: Matter): Promise<unknown[]> {
  const listing = await client.json('GET', `/api/matters/${matter.id}/folders/${matter.rootFolderId}`);
  expect(listing.status, listing.text).toBe(200);
  return (listing.json() as { documents: unknown[] }).documents;
}

const uploadRows = (dataDir: string) =>
  querySqlite<{ id: string }>(dataDir, 'select id from document_uploads');
const contentFiles = (dataDir: string) => filesUnder(join(dataDir, 'blobs', 'content'));
const incompleteFiles = (dataDir: string) => filesUnder(join(dataDir, 'blobs', '.incomplete'));

/** Starts a 20 MiB upload (raw or multipart), sends 5 MiB and waits until the server has begun storing it. */
async function uploadPartially(
  client: SignedInClient,
  matter: Matter,
  dataDir: string,
  kind: 'raw' | 'multipart' = 'raw',
) {
  const boundary = 'writ-crash-boundary';
  const upload = startPartialUpload({
    client,
    path: `/api/matters/${matter.id}/documents${kind === 'raw' ? '?name=Partial.bin' : ''}`,
    declaredLength: 20 * mib,
    contentType: kind === 'raw' ? 'application/octet-stream' : `multipart/form-data; boundary=${boundary}`,
  });
  if (kind === 'multipart') {
    await upload.write(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\nPartial.bin\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="Partial.bin"\r\n` +
          'Content-Type: application/octet-stream\r\n\r\n',
      ),
    );
  }
  for (let sent = 0; sent < 5 * mib; sent += mib) await upload.write(randomBytes(mib));
  await waitFor('the upload row and its temporary blob', () => {
    return uploadRows(dataDir).length === 1 && incompleteFiles(dataDir).length === 1;
  });
  return upload;
}

describe('documents: uploads cut off mid-way', () => {
  afterAll(cleanupCli);

  test('a client that disconnects mid-upload leaves no document, no upload row and no blob', async () => {
    const { dataDir } = createCliWorkspace();
    await createLawyer({ dataDir, username: 'dora.disconnect' });
    const server = await startWritServer({ dataDir });
    try {
      const client = await signInLawyer({
        url: server.url,
        ca: readServerCertificate(dataDir),
        username: 'dora.disconnect',
      });
      const matter = await openMatter(client);
      const upload = await uploadPartially(client, matter, dataDir);
      upload.destroy();

      await waitFor('the upload row and the partial blob to be removed', () => {
        return (
          uploadRows(dataDir).length === 0 &&
          incompleteFiles(dataDir).length === 0 &&
          contentFiles(dataDir).length === 0
        );
      });
      expect(await documentsIn(client, matter)).toEqual([]);
      expect(querySqlite(dataDir, 'select id from document_versions')).toEqual([]);
      expect(server.isRunning()).toBe(true);

      // The server still takes a whole upload afterwards.
      const content = randomBytes(64 * 1024);
      const whole = await fetchUpload(client, matter, content);
      expect(whole, whole.text).toMatchObject({ status: 201 });
      expect(contentFiles(dataDir)).toHaveLength(1);
    } finally {
      await server.stop();
    }
  }, 120_000);

  test('a multipart upload cut off mid-file leaves nothing either', async () => {
    const { dataDir } = createCliWorkspace();
    await createLawyer({ dataDir, username: 'mona.multipart' });
    const server = await startWritServer({ dataDir });
    try {
      const client = await signInLawyer({
        url: server.url,
        ca: readServerCertificate(dataDir),
        username: 'mona.multipart',
      });
      const matter = await openMatter(client);
      const upload = await uploadPartially(client, matter, dataDir, 'multipart');
      upload.destroy();
      await waitFor('the upload row and the partial blob to be removed', () => {
        return (
          uploadRows(dataDir).length === 0 &&
          incompleteFiles(dataDir).length === 0 &&
          contentFiles(dataDir).length === 0
        );
      });
      expect(await documentsIn(client, matter)).toEqual([]);
    } finally {
      await server.stop();
    }
  }, 120_000);

  test('a server killed (SIGKILL) mid-upload leaves a row and a partial blob, which the next start removes', async () => {
    const { dataDir } = createCliWorkspace();
    await createLawyer({ dataDir, username: 'kim.kill' });
    const first = await startWritServer({ dataDir });
    const ca = readServerCertificate(dataDir);
    const client = await signInLawyer({ url: first.url, ca, username: 'kim.kill' });
    const matter = await openMatter(client);
    const upload = await uploadPartially(client, matter, dataDir);

    process.kill(first.pid, 'SIGKILL');
    expect(await first.stop()).toMatchObject({ signal: 'SIGKILL' });
    upload.destroy();
    expect(uploadRows(dataDir)).toHaveLength(1);
    expect(incompleteFiles(dataDir).length + contentFiles(dataDir).length).toBeGreaterThan(0);

    const second = await startWritServer({ dataDir });
    try {
      await waitFor('the start-up sweep', () => {
        return (
          uploadRows(dataDir).length === 0 &&
          incompleteFiles(dataDir).length === 0 &&
          contentFiles(dataDir).length === 0
        );
      });
      const again = reconnect(client, second.url);
      expect(await documentsIn(again, matter)).toEqual([]);
      expect(querySqlite(dataDir, 'select id from document_versions')).toEqual([]);
      expect(querySqlite(dataDir, 'select id from documents')).toEqual([]);
    } finally {
      await second.stop();
    }
  }, 120_000);
});

async function fetchUpload(client: SignedInClient, matter: Matter, content: Buffer) {
  return requestHttps({
    url: `${client.url}/api/matters/${matter.id}/documents?name=Whole.bin`,
    ca: client.ca,
    method: 'POST',
    headers: { ...client.headers, 'content-type': 'application/octet-stream' },
    body: content,
  });
}
