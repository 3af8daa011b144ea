import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** The built SPA, `vite build` output: the same path from src/runtime/http and from dist/runtime/http. */
export const defaultWebRoot = fileURLToPath(new URL('../../../dist/web/', import.meta.url));

/**
 * The SPA's own paths. Each serves index.html and the app routes on the client. Any other address is a 404:
 * a browser navigating there (Accept: text/html) gets index.html, whose router shows its "Nothing here"
 * page; everything else, and anything under /api/ or /static/, gets the API's JSON 404, so a typo in an
 * API path never answers with a page.
 */
export const webAppPaths = [
  '/',
  '/sign-in',
  '/setup',
  '/invite',
  '/reset',
  '/account',
  '/account/*',
  '/matters',
  '/matters/*',
  '/documents/*',
  '/requests',
  '/admin',
  '/admin/*',
  '/compliance',
  '/compliance/*',
  '/audit',
  '/audit/*',
] as const;

type WebFile = { body: Buffer; gzip: Buffer | undefined; type: string; etag: string };

const mediaTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

function listFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

/**
 * The whole build is a few hundred kilobytes: it is read and compressed once at start, so serving a file
 * touches no disk and the files served cannot change under a running server.
 */
function loadWebFiles(root: string): Map<string, WebFile> {
  const files = new Map<string, WebFile>();
  for (const path of listFiles(root)) {
    const type = mediaTypes[extname(path)];
    if (type === undefined) continue;
    const body = readFileSync(path);
    const compressible = !type.startsWith('image/png') && !type.startsWith('font/');
    const gzip = compressible && body.length > 1024 ? gzipSync(body, { level: 9 }) : undefined;
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    files.set(`/${relative(root, path).split(sep).join('/')}`, { body, gzip, type, etag });
  }
  return files;
}

const missingBuildHtml = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Writ</title></head>
<body><main><h1>Writ</h1><p>The web interface is not built. Run <code>npm run build</code>, then restart Writ.
The API is described at <a href="/api/openapi.json">/api/openapi.json</a>.</p></main></body></html>
`;

function sendFile(request: FastifyRequest, reply: FastifyReply, file: WebFile, cacheControl: string) {
  void reply.type(file.type).header('cache-control', cacheControl).header('etag', file.etag);
  void reply.header('vary', 'accept-encoding');
  if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
  const acceptsGzip = /\bgzip\b/.test(request.headers['accept-encoding'] ?? '');
  if (file.gzip !== undefined && acceptsGzip) {
    return reply.header('content-encoding', 'gzip').send(file.gzip);
  }
  return reply.send(file.body);
}

/** What the not-found handler asks the web UI: whether it answered an unknown address with its own page. */
export type WebApp = { sendNotFoundPage(request: FastifyRequest, reply: FastifyReply): boolean };

const apiOrAssetPath = /^\/(api|static)(\/|$|\?)/;

/** A browser's navigation (not a fetch, an image or an API client) to an address outside the API. */
function isPageNavigation(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  if (apiOrAssetPath.test(request.url)) return false;
  return /\btext\/html\b/.test(request.headers.accept ?? '');
}

/**
 * Serves the web UI: hashed assets under /static/ cached for a year, index.html on every app path and
 * never cached (a new release takes effect on the next load). Without a build, app paths say how to build.
 */
export function registerWebApp(
  app: FastifyInstance,
  { root = defaultWebRoot }: { root?: string } = {},
): WebApp {
  const files = existsSync(join(root, 'index.html')) ? loadWebFiles(root) : new Map<string, WebFile>();
  const index = files.get('/index.html');
  const immutable = 'public, max-age=31536000, immutable';

  for (const path of webAppPaths) {
    app.get(path, { schema: { hide: true } }, (request, reply) =>
      index === undefined
        ? reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(missingBuildHtml)
        : sendFile(request, reply, index, 'no-store'),
    );
  }
  app.get('/static/*', { schema: { hide: true } }, (request, reply) => {
    const file = files.get(request.url.split('?')[0] ?? '');
    if (file !== undefined) return sendFile(request, reply, file, immutable);
    reply.callNotFound();
    return reply;
  });
  return {
    sendNotFoundPage(request, reply) {
      if (!isPageNavigation(request)) return false;
      void reply.code(404);
      if (index === undefined)
        void reply
          .type('text/html; charset=utf-8')
          .header('cache-control', 'no-store')
          .send(missingBuildHtml);
      else void sendFile(request, reply, index, 'no-store');
      return true;
    },
  };
}
