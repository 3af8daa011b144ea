import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeOnDatabases } from '../../../test/support/databases.js';
import {
  createDocumentsFixtures,
  listBlobKeys,
  readAll,
  sha256Hex,
} from '../../../test/support/documents.js';
import { startS3rver } from '../../../test/support/s3rver.js';
import { createS3BlobStore } from '../../shared/blobs/s3-blob-store.js';

let s3: Awaited<ReturnType<typeof startS3rver>>;
beforeAll(async () => {
  s3 = await startS3rver();
});
afterAll(async () => {
  await s3.stop();
});

describeOnDatabases('documents on an S3-compatible blob store', ({ getDb }) => {
  const storeFor = () =>
    createS3BlobStore({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      bucket: s3.bucket,
      prefix: `run-${randomBytes(4).toString('hex')}/`,
      credentials: s3.credentials,
      forcePathStyle: true,
    });

  test('a multi-part upload round-trips whole and by range, encrypted in the bucket', async () => {
    const blobStore = storeFor();
    const { upload, download } = await createDocumentsFixtures({ db: getDb(), blobStore });
    // 20 MiB: several S3 parts and twenty 1 MiB cipher segments.
    const content = randomBytes(20 * 1024 * 1024);
    const { document, version } = await upload({ content });
    expect(version.sha256).toBe(sha256Hex(content));
    const whole = await readAll((await download({ documentId: document.id })).body);
    expect(whole.equals(content)).toBe(true);
    const start = 9 * 1024 * 1024 - 7;
    const part = await readAll(
      (await download({ documentId: document.id, range: { start, end: start + 99 } })).body,
    );
    expect(part.equals(content.subarray(start, start + 100))).toBe(true);
    const [key] = await listBlobKeys(blobStore);
    expect(key).toBeDefined();
    const stored = await readAll(await blobStore.read({ key: key ?? '' }));
    expect(stored.length).toBeGreaterThan(content.length);
    expect(stored.includes(content.subarray(0, 64))).toBe(false);
    await blobStore.close();
  });

  test('an upload refused for its checksum leaves no object in the bucket', async () => {
    const blobStore = storeFor();
    const { upload } = await createDocumentsFixtures({ db: getDb(), blobStore });
    await expect(
      upload({ content: randomBytes(3 * 1024 * 1024), expectedSha256: '0'.repeat(64) }),
    ).rejects.toMatchObject({
      code: 'documents.checksum_mismatch',
    });
    expect(await listBlobKeys(blobStore)).toEqual([]);
    await blobStore.close();
  });
});
