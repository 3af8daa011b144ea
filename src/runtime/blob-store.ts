import { createFsBlobStore } from '../shared/blobs/fs-blob-store.js';
import type { BlobStore } from '../shared/blobs/blob-store.js';
import type { Config } from './config/config.js';

/**
 * The blob store the configuration names; credentials come from secret files, never the environment.
 * The S3 client is loaded only when S3 is configured: the AWS SDK costs some 25 MiB of memory.
 */
export async function createConfiguredBlobStore({
  config,
  s3SecretAccessKey,
}: {
  config: Pick<Config, 'blobs' | 'blobDir'>;
  s3SecretAccessKey: string | undefined;
}): Promise<BlobStore> {
  const { blobs } = config;
  if (blobs.kind === 'fs') return createFsBlobStore({ rootDir: config.blobDir });
  const { createS3BlobStore } = await import('../shared/blobs/s3-blob-store.js');
  return createS3BlobStore({
    bucket: blobs.bucket,
    region: blobs.region,
    ...(blobs.endpoint === undefined ? {} : { endpoint: blobs.endpoint, forcePathStyle: true }),
    ...(blobs.prefix === undefined ? {} : { prefix: blobs.prefix }),
    ...(blobs.accessKeyId === undefined || s3SecretAccessKey === undefined
      ? {}
      : { credentials: { accessKeyId: blobs.accessKeyId, secretAccessKey: s3SecretAccessKey } }),
  });
}
