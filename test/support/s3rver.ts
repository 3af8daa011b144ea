import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The parts of Koa's context a test middleware touches (s3rver ships no types). */
export type KoaContext = {
  method: string;
  path: string;
  query: Record<string, unknown>;
  status: number;
  body: unknown;
  type: string;
};
export type KoaMiddleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;
type S3rverServer = { run(): Promise<AddressInfo>; close(): Promise<void>; middleware: KoaMiddleware[] };
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverServer;
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;

/** A real S3-compatible server (s3rver) on loopback, with one bucket, in a fresh temporary directory. */
export async function startS3rver({
  bucket = 'writ-test',
  middleware,
}: {
  bucket?: string;
  /** Runs before s3rver's own handlers: to record requests or emulate what s3rver lacks. */
  middleware?: (directory: string) => KoaMiddleware;
} = {}) {
  const directory = await mkdtemp(join(tmpdir(), 'writ-s3rver-'));
  const server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    directory,
    silent: true,
    configureBuckets: [{ name: bucket }],
  });
  if (middleware !== undefined) server.middleware.unshift(middleware(directory));
  const { port } = await server.run();
  return {
    bucket,
    directory,
    endpoint: `http://127.0.0.1:${port}`,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    async stop() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
