import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  assertValidBlobKey,
  assertValidBlobKeyPrefix,
  assertValidByteRange,
  isValidBlobKey,
} from './blob-key.js';
import { createBlobAlreadyExistsError, createBlobNotFoundError } from './blob-store.errors.js';
import type { BlobStore } from './blob-store.js';

const partSize = 8 * 1024 * 1024;
const queueSize = 4;

export type S3BlobStoreConfig = {
  /** For S3-compatible services (MinIO, Garage…); AWS when absent. */
  endpoint?: string;
  region: string;
  bucket: string;
  /** Objects live under `<prefix>/<key>`, so one bucket can hold other data too. */
  prefix?: string;
  /** The SDK's default chain (environment, instance role…) when absent. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  forcePathStyle?: boolean;
};

/**
 * @NOTE Overwrites are refused twice: a HeadObject before uploading, and `If-None-Match: *` on the
 * PutObject / CompleteMultipartUpload. The header closes the race between two puts of one key on S3 and
 * most compatibles; a service that ignores it (s3rver does) leaves only the HeadObject check, so two
 * concurrent puts of one key could both succeed there. Writ's keys are random ids, so that race needs a bug.
 */
export function createS3BlobStore(config: S3BlobStoreConfig): BlobStore {
  const { bucket } = config;
  const client = new S3Client({
    region: config.region,
    endpoint: config.endpoint,
    credentials: config.credentials,
    forcePathStyle: config.forcePathStyle,
    // Default checksums (CRC32 trailers) are refused by s3rver and by many S3-compatible services.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const trimmedPrefix = config.prefix?.replace(/^\/+|\/+$/g, '') ?? '';
  const keyPrefix = trimmedPrefix === '' ? '' : `${trimmedPrefix}/`;
  const objectKey = (key: string): string => {
    assertValidBlobKey(key);
    return keyPrefix + key;
  };

  async function head(key: string): Promise<{ size: number } | undefined> {
    try {
      const output = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return { size: output.ContentLength ?? 0 };
    } catch (error) {
      if (isS3Error(error, ['NotFound', 'NoSuchKey'], 404)) return undefined;
      throw error;
    }
  }

  async function deleteObject(key: string): Promise<void> {
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  }

  async function abortUpload({ key, uploadId }: { key: string; uploadId: string }): Promise<boolean> {
    try {
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
      return true;
    } catch (error) {
      if (isS3Error(error, ['NoSuchUpload'], 404)) return false;
      throw error;
    }
  }

  async function read({
    key,
    range,
  }: {
    key: string;
    range?: { start: number; end: number };
  }): Promise<Readable> {
    const target = objectKey(key);
    if (range !== undefined) assertValidByteRange(range);
    if (range !== undefined && range.start === range.end) {
      // `bytes=5-4` is not a range S3 accepts; an empty read still needs the blob to exist.
      if ((await head(target)) === undefined) throw createBlobNotFoundError();
      return Readable.from([]);
    }
    try {
      const output = await client.send(
        new GetObjectCommand({
          Bucket: bucket,
          Key: target,
          Range: range === undefined ? undefined : `bytes=${range.start}-${range.end - 1}`,
        }),
      );
      if (!(output.Body instanceof Readable)) throw new Error('S3 returned no readable body');
      return output.Body;
    } catch (error) {
      if (isS3Error(error, ['NoSuchKey', 'NotFound'], 404)) {
        throw createBlobNotFoundError({ cause: error });
      }
      // A range starting past the end: as on the filesystem, the bytes that exist, here none.
      if (isS3Error(error, ['InvalidRange'], 416)) return Readable.from([]);
      throw error;
    }
  }

  return {
    description: describe(config),

    async put({ key, source, signal }) {
      const target = objectKey(key);
      signal?.throwIfAborted();
      if ((await head(target)) !== undefined) throw createBlobAlreadyExistsError();

      // The first failure wins: the source's error or the abort reason is what put rejects with.
      let failure: { error: unknown } | undefined;
      let size = 0;
      const body = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          size += chunk.length;
          callback(null, chunk);
        },
      });
      const fail = (error: unknown) => {
        failure ??= { error };
        body.destroy(error instanceof Error ? error : new Error('blob put failed', { cause: error }));
      };
      source.on('error', fail);
      const onAbort = () => {
        fail(signal?.reason);
        source.destroy();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const piping = pipeline(source, body).catch(fail);

      // @NOTE Upload's own abortController is not used: aborting it makes done() reject at once while
      // parts are still in flight and before AbortMultipartUpload is sent (lib-storage 3.1173.0), and
      // a single-part PutObject already sent would still land. Failing the body instead makes
      // Upload run its error path (leavePartsOnError: false) and settle only after cleaning up.
      const upload = new Upload({
        client,
        params: { Bucket: bucket, Key: target, Body: body, IfNoneMatch: '*' },
        partSize,
        queueSize,
        leavePartsOnError: false,
      });
      let uploaded = false;
      try {
        await upload.done();
        uploaded = true;
      } catch (error) {
        // Upload aborts the multipart upload itself, but if that failed, its error replaced ours.
        if (upload.uploadId !== undefined) {
          await abortUpload({ key: target, uploadId: upload.uploadId }).catch(() => undefined);
        }
        if (failure !== undefined) throw failure.error;
        if (isS3Error(error, ['PreconditionFailed', 'ConditionalRequestConflict'], 412)) {
          throw createBlobAlreadyExistsError({ cause: error });
        }
        throw error;
      } finally {
        signal?.removeEventListener('abort', onAbort);
        // Upload stops reading when it fails on its own (network, refusal): unblock the pipeline.
        if (!uploaded) body.destroy();
        await piping;
      }
      // Aborted after the last byte was read: the object landed, and it is ours to remove.
      if (failure !== undefined || signal?.aborted === true) {
        await deleteObject(target);
        throw failure === undefined ? signal?.reason : failure.error;
      }
      return { size };
    },

    read,

    async readRange({ key, start, end }) {
      const stream = await read({ key, range: { start, end } });
      const chunks: Buffer[] = [];
      for await (const chunk of stream as AsyncIterable<unknown>) {
        chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
      }
      return Buffer.concat(chunks);
    },

    async stat({ key }) {
      return head(objectKey(key));
    },

    async delete({ key }) {
      await deleteObject(objectKey(key));
    },

    async *list({ prefix }) {
      assertValidBlobKeyPrefix(prefix);
      let continuationToken: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: keyPrefix + prefix,
            ContinuationToken: continuationToken,
          }),
        );
        for (const object of page.Contents ?? []) {
          const key = object.Key?.slice(keyPrefix.length);
          // Objects under the prefix that no Writ key could name are not blobs of this store.
          if (key !== undefined && isValidBlobKey(key)) yield key;
        }
        continuationToken = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      } while (continuationToken !== undefined);
    },

    async sweepIncomplete({ olderThan }) {
      let removed = 0;
      let keyMarker: string | undefined;
      let uploadIdMarker: string | undefined;
      do {
        let page;
        try {
          page = await client.send(
            new ListMultipartUploadsCommand({
              Bucket: bucket,
              Prefix: keyPrefix === '' ? undefined : keyPrefix,
              KeyMarker: keyMarker,
              UploadIdMarker: uploadIdMarker,
            }),
          );
        } catch (error) {
          // @NOTE s3rver and some compatibles lack ListMultipartUploads: nothing to sweep from here;
          // a bucket lifecycle rule (AbortIncompleteMultipartUpload) is the fallback there.
          if (isS3Error(error, ['NotImplemented'], 501)) return { removed };
          throw error;
        }
        for (const upload of page.Uploads ?? []) {
          if (upload.Key === undefined || upload.UploadId === undefined) continue;
          if (upload.Initiated === undefined || upload.Initiated >= olderThan) continue;
          if (await abortUpload({ key: upload.Key, uploadId: upload.UploadId })) removed += 1;
        }
        const truncated = page.IsTruncated === true;
        keyMarker = truncated ? page.NextKeyMarker : undefined;
        uploadIdMarker = truncated ? page.NextUploadIdMarker : undefined;
      } while (keyMarker !== undefined);
      return { removed };
    },

    close() {
      client.destroy();
      return Promise.resolve();
    },
  };
}

function describe(config: S3BlobStoreConfig): string {
  let endpoint = 'aws';
  if (config.endpoint !== undefined) {
    const url = new URL(config.endpoint);
    url.username = '';
    url.password = '';
    endpoint = url.origin;
  }
  const location = config.prefix === undefined ? config.bucket : `${config.bucket}/${config.prefix}`;
  return `s3 ${endpoint} ${config.region} ${location}`;
}

function isS3Error(error: unknown, names: readonly string[], status: number): boolean {
  if (!(error instanceof S3ServiceException)) return false;
  return names.includes(error.name) || error.$metadata.httpStatusCode === status;
}
