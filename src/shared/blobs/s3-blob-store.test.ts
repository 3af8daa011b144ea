import { CreateMultipartUploadCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import {
  collectKeys,
  describeBlobStoreContract,
  drained,
  readAll,
  rejectionOf,
  sha256,
} from './blob-store.test-utils.js';
import { type KoaMiddleware, startS3rver } from '../../../test/support/s3rver.js';
import { createS3BlobStore } from './s3-blob-store.js';

const bucket = 'writ-test';
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
let directory = '';
let endpoint = '';
let s3: Awaited<ReturnType<typeof startS3rver>>;
const requests: string[] = [];
/** When false, s3rver answers alone: no ListMultipartUploads, no AbortMultipartUpload. */
let emulateMultipartListing = true;

const uploadsDir = () => join(directory, bucket, '._S3rver_uploads');
async function incompleteUploadIds(): Promise<string[]> {
  return readdir(uploadsDir()).catch(() => []);
}

/**
 * s3rver 3.7.1 answers ListMultipartUploads with NotImplemented and AbortMultipartUpload with
 * MethodNotAllowed. This shim serves both from s3rver's own upload directory, so the store's cleanup
 * requests can be checked end to end; it also records every request.
 */
const multipartShim: KoaMiddleware = async (ctx, next) => {
  requests.push(`${ctx.method} ${ctx.path} ${Object.keys(ctx.query).sort().join(',')}`);
  if (!emulateMultipartListing) return next();
  if (ctx.method === 'DELETE' && typeof ctx.query.uploadId === 'string') {
    const dir = join(uploadsDir(), ctx.query.uploadId);
    if (!(await stat(dir).catch(() => undefined))) {
      ctx.status = 404;
      ctx.type = 'application/xml';
      ctx.body = '<Error><Code>NoSuchUpload</Code><Message>no such upload</Message></Error>';
      return;
    }
    await rm(dir, { recursive: true, force: true });
    ctx.status = 204;
    return;
  }
  if (ctx.method === 'GET' && ctx.path.replace(/\/$/, '') === `/${bucket}` && 'uploads' in ctx.query) {
    const prefix = typeof ctx.query.prefix === 'string' ? ctx.query.prefix : '';
    const uploads: string[] = [];
    for (const uploadId of await incompleteUploadIds()) {
      const key = await readFile(join(uploadsDir(), uploadId, 'key'), 'utf8');
      const initiated = (await stat(join(uploadsDir(), uploadId))).birthtime.toISOString();
      if (!key.startsWith(prefix)) continue;
      uploads.push(
        `<Upload><Key>${key}</Key><UploadId>${uploadId}</UploadId><Initiated>${initiated}</Initiated></Upload>`,
      );
    }
    ctx.status = 200;
    ctx.type = 'application/xml';
    ctx.body = `<?xml version="1.0" encoding="UTF-8"?><ListMultipartUploadsResult><Bucket>${bucket}</Bucket><IsTruncated>false</IsTruncated>${uploads.join('')}</ListMultipartUploadsResult>`;
    return;
  }
  return next();
};

beforeAll(async () => {
  s3 = await startS3rver({
    bucket,
    middleware: (dir) => {
      directory = dir;
      return multipartShim;
    },
  });
  endpoint = s3.endpoint;
});

afterAll(async () => {
  await s3.stop();
});

beforeEach(() => {
  emulateMultipartListing = true;
  requests.length = 0;
});

let storeCount = 0;
/** Every store gets its own prefix, so tests never see each other's objects. */
function createStore({ prefix = `t${++storeCount}` }: { prefix?: string } = {}) {
  return createS3BlobStore({
    endpoint,
    region: 'us-east-1',
    bucket,
    prefix,
    credentials,
    forcePathStyle: true,
  });
}

describeBlobStoreContract('s3 (s3rver)', () => Promise.resolve(createStore()));

describe('s3 blob store', () => {
  test('a 20 MiB blob goes up in 8 MiB parts and comes back byte for byte', async () => {
    const store = createStore();
    try {
      const data = randomBytes(20 * 1024 * 1024 + 3);
      const source = Readable.from(
        (function* () {
          for (let offset = 0; offset < data.length; offset += 1024 * 1024) {
            yield data.subarray(offset, offset + 1024 * 1024);
          }
        })(),
      );
      expect(await store.put({ key: 'content/big', source })).toEqual({ size: data.length });
      expect(requests.filter((line) => line.includes('partNumber,uploadId'))).toHaveLength(3);
      expect(sha256(await readAll(await store.read({ key: 'content/big' })))).toBe(sha256(data));
      const start = 8 * 1024 * 1024 - 5;
      expect(await store.readRange({ key: 'content/big', start, end: start + 10 })).toEqual(
        data.subarray(start, start + 10),
      );
      expect(await incompleteUploadIds()).toEqual([]);
    } finally {
      await store.close();
    }
  });

  test('a multipart put aborted midway leaves no object and no incomplete upload', async () => {
    const store = createStore();
    try {
      const source = new PassThrough();
      const controller = new AbortController();
      const putting = store.put({ key: 'content/aborted', source, signal: controller.signal });
      source.write(randomBytes(9 * 1024 * 1024));
      await drained(source);
      while (!requests.some((line) => line.includes('partNumber,uploadId'))) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const reason = new Error('client went away');
      controller.abort(reason);
      expect(await rejectionOf(putting)).toBe(reason);
      expect(await store.stat({ key: 'content/aborted' })).toBeUndefined();
      expect(requests.some((line) => line.startsWith('DELETE') && line.includes('uploadId'))).toBe(true);
      expect(await incompleteUploadIds()).toEqual([]);
    } finally {
      await store.close();
    }
  });

  test('a multipart put whose source fails rejects with the source error, even when S3 cannot abort the upload', async () => {
    emulateMultipartListing = false;
    const store = createStore();
    try {
      const error = new Error('disk full upstream');
      const source = Readable.from(
        (async function* () {
          yield randomBytes(9 * 1024 * 1024);
          await new Promise((resolve) => setTimeout(resolve, 50));
          throw error;
        })(),
      );
      expect(await rejectionOf(store.put({ key: 'content/broken', source }))).toBe(error);
      expect(await store.stat({ key: 'content/broken' })).toBeUndefined();
    } finally {
      await store.close();
      // Without AbortMultipartUpload the upload stays behind, as it would on such a service.
      await rm(uploadsDir(), { recursive: true, force: true });
    }
  });

  test('sweepIncomplete aborts this store’s multipart uploads started before the cut-off', async () => {
    const store = createStore({ prefix: 'sweep' });
    const raw = new S3Client({ endpoint, region: 'us-east-1', credentials, forcePathStyle: true });
    try {
      for (const key of ['sweep/content/a', 'sweep/content/b', 'elsewhere/c']) {
        await raw.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
      }
      expect(await store.sweepIncomplete({ olderThan: new Date(Date.now() - 60_000) })).toEqual({
        removed: 0,
      });
      expect(await store.sweepIncomplete({ olderThan: new Date(Date.now() + 60_000) })).toEqual({
        removed: 2,
      });
      const left = await Promise.all(
        (await incompleteUploadIds()).map((id) => readFile(join(uploadsDir(), id, 'key'), 'utf8')),
      );
      expect(left).toEqual(['elsewhere/c']);
    } finally {
      raw.destroy();
      await store.close();
      await rm(uploadsDir(), { recursive: true, force: true });
    }
  });

  test('sweepIncomplete on a service without ListMultipartUploads removes nothing and does not fail', async () => {
    emulateMultipartListing = false;
    const store = createStore();
    try {
      expect(await store.sweepIncomplete({ olderThan: new Date() })).toEqual({ removed: 0 });
    } finally {
      await store.close();
    }
  });

  test('objects are stored under the configured prefix, and the description has no credentials', async () => {
    const store = createS3BlobStore({
      endpoint: endpoint.replace('http://', 'http://user:pass@'),
      region: 'us-east-1',
      bucket,
      prefix: 'described/',
      credentials,
      forcePathStyle: true,
    });
    const writer = createStore({ prefix: '/described/' });
    try {
      expect(store.description).toBe(`s3 ${endpoint} us-east-1 ${bucket}/described/`);
      expect(store.description).not.toMatch(/S3RVER|pass/);
      await writer.put({ key: 'content/x', source: Readable.from([Buffer.from('x')]) });
      const onDisk = join(directory, bucket, 'described', 'content', 'x._S3rver_object');
      expect((await stat(onDisk)).size).toBe(1);
      expect(await collectKeys(writer.list({ prefix: '' }))).toEqual(['content/x']);
    } finally {
      await store.close();
      await writer.close();
    }
  });
});
