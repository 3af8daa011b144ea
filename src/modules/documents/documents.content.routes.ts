import type { Readable } from 'node:stream';
import fastifyMultipart from '@fastify/multipart';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isErrorWithCode, isWritError } from '../../shared/errors/errors.js';
import type { Principal } from '../identity/identity.models.js';
import type { RouteAuthentication } from '../identity/identity.authentication.models.js';
import type { DocumentsDependencies } from './documents.dependencies.js';
import { createUploadMissingFileError } from './documents.errors.js';
import {
  contentDisposition,
  expectedSha256FromHeaders,
  inlineMediaTypes,
  parseRangeHeader,
  reprDigestHeader,
} from './documents.http.js';
import { presentDocument, presentVersion } from './documents.presenters.js';
import {
  contentQuery,
  documentParams,
  matterParams,
  uploadQuery,
  uploadResponse,
  versionUploadQuery,
} from './documents.schemas.js';
import {
  openDocumentContent,
  type UploadResult,
  uploadDocument,
  type UploadTarget,
} from './documents.usecases.js';

type UploadBody = {
  content: Readable;
  name: string | undefined;
  folderId: string | undefined;
  mediaType: string | undefined;
  declaredLength: number | undefined;
  expectedSha256: string | undefined;
};

const multipartFieldNames = new Set(['name', 'folderId', 'sha256']);

/**
 * The upload's content and metadata, from a raw body (`application/octet-stream`, metadata in the query
 * and `Repr-Digest` / `X-Content-SHA256`) or from a multipart form whose fields come before its one file.
 */
async function readUploadBody(
  request: FastifyRequest,
  query: { name?: string | undefined; folderId?: string | undefined; mediaType?: string | undefined },
): Promise<UploadBody> {
  if (!request.isMultipart()) {
    const length = request.headers['content-length'];
    return {
      content: request.raw,
      name: query.name,
      folderId: query.folderId,
      mediaType: query.mediaType,
      declaredLength: length === undefined ? undefined : Number(length),
      expectedSha256: expectedSha256FromHeaders(request.headers),
    };
  }
  const part = await request.file();
  if (part === undefined) throw createUploadMissingFileError();
  const field = (name: string): string | undefined => {
    const value = part.fields[name];
    return value !== undefined &&
      !Array.isArray(value) &&
      value.type === 'field' &&
      multipartFieldNames.has(name)
      ? String(value.value)
      : undefined;
  };
  return {
    content: part.file,
    name: field('name') ?? part.filename,
    folderId: field('folderId') ?? query.folderId,
    mediaType: part.mimetype,
    declaredLength: undefined,
    expectedSha256: field('sha256')?.trim().toLowerCase() ?? expectedSha256FromHeaders(request.headers),
  };
}

function presentUpload(result: UploadResult) {
  return {
    document: presentDocument(result.document),
    version: presentVersion(result.version),
    created: result.created,
    receiptUrl: receiptUrl(result.receiptEntryId),
  };
}

/** Where the ledger serves the receipt of an upload or download once it is sequenced (202 until then). */
const receiptUrl = (entryId: string) => `/api/ledger/receipts/${entryId}`;

async function upload({
  deps,
  principal,
  target,
  body,
  reply,
}: {
  deps: DocumentsDependencies;
  principal: Principal;
  target: UploadTarget;
  body: UploadBody;
  reply: FastifyReply;
}) {
  const result = await uploadDocument({
    ...deps,
    principal,
    target,
    content: body.content,
    mediaType: body.mediaType,
    declaredLength: body.declaredLength,
    expectedSha256: body.expectedSha256,
  });
  return reply.status(result.created ? 201 : 200).send(presentUpload(result));
}

/**
 * Uploads and downloads, in their own encapsulated scope: only here is a body a raw stream
 * (`application/octet-stream`) or multipart; everywhere else bodies stay JSON.
 */
export async function registerContentRoutes(
  app: FastifyInstance,
  deps: DocumentsDependencies,
  auth: RouteAuthentication,
): Promise<void> {
  await app.register(async (scope) => {
    // The stream is handed to the use-case unread; it enforces the size limit as bytes arrive.
    scope.addContentTypeParser('application/octet-stream', (_request, _payload, done) => {
      done(null);
    });
    await scope.register(fastifyMultipart, {
      limits: { files: 1, fields: 8, fieldSize: 4096, parts: 10, fileSize: deps.settings.maxUploadBytes + 1 },
    });
    const typed = scope.withTypeProvider<TypeBoxTypeProvider>();

    typed.route({
      method: 'POST',
      url: '/api/matters/:matterId/documents',
      bodyLimit: deps.settings.maxUploadBytes,
      schema: {
        tags: ['documents'],
        summary:
          'Upload a document (raw body with ?name=, or multipart with one file); a name already in the folder adds a version',
        params: matterParams,
        querystring: uploadQuery,
        response: { 200: uploadResponse, 201: uploadResponse },
      },
      onRequest: auth.require({ apiTokenScope: 'documents:write' }),
      handler: async (request, reply) => {
        const body = await readUploadBody(request, request.query);
        const target: UploadTarget = {
          matterId: request.params.matterId,
          folderId: body.folderId,
          name: body.name ?? '',
        };
        return upload({ deps, principal: auth.principalOf(request), target, body, reply });
      },
    });

    typed.route({
      method: 'POST',
      url: '/api/documents/:documentId/versions',
      schema: {
        tags: ['documents'],
        summary: 'Upload a new version of a document (raw body or multipart)',
        params: documentParams,
        querystring: versionUploadQuery,
        response: { 200: uploadResponse },
      },
      onRequest: auth.require({ apiTokenScope: 'documents:write' }),
      handler: async (request, reply) => {
        const body = await readUploadBody(request, request.query);
        const target: UploadTarget = { documentId: request.params.documentId };
        return upload({ deps, principal: auth.principalOf(request), target, body, reply });
      },
    });

    typed.route({
      method: 'GET',
      url: '/api/documents/:documentId/content',
      exposeHeadRoute: false,
      schema: {
        tags: ['documents'],
        summary: 'Download a version (the current one unless ?version=), whole or a byte range',
        params: documentParams,
        querystring: contentQuery,
      },
      onRequest: auth.require({ apiTokenScope: 'documents:read' }),
      handler: async (request, reply) => {
        const ifRange = request.headers['if-range'];
        // If-Range with anything but this version's ETag (a date, another version) means: send it whole.
        const download = await openDocumentContent({
          ...deps,
          principal: auth.principalOf(request),
          documentId: request.params.documentId,
          version: request.query.version === undefined ? undefined : Number(request.query.version),
          range: parseRangeHeader(request.headers.range),
          rangeIfVersionId:
            typeof ifRange === 'string' ? (/^"(ver_[0-9a-z]{26})"$/.exec(ifRange)?.[1] ?? '') : undefined,
        }).catch((error: unknown) => {
          // RFC 9110 §15.5.17: a 416 says how long the representation is, so the client can ask again.
          const size = isWritError(error) ? error.details?.size : undefined;
          if (isErrorWithCode({ error, code: 'vault.range_not_satisfiable' }) && typeof size === 'number')
            void reply.header('content-range', `bytes */${size}`);
          throw error;
        });
        const { version, range } = download;
        const etag = `"${version.id}"`;
        const isInline = request.query.disposition === 'inline' && inlineMediaTypes.has(version.mediaType);
        void reply
          .header('cache-control', 'no-store')
          .header('etag', etag)
          .header('accept-ranges', 'bytes')
          .header('x-writ-version', String(version.version))
          .header('x-writ-receipt', receiptUrl(download.receiptEntryId))
          .header('content-type', isInline ? version.mediaType : 'application/octet-stream')
          .header(
            'content-disposition',
            contentDisposition(isInline ? 'inline' : 'attachment', download.document.name),
          );
        // An inline preview runs in a sandbox with nothing allowed: a PDF or image cannot script the app.
        if (isInline)
          void reply.header('content-security-policy', "sandbox; default-src 'none'; img-src 'self'");
        if (range === undefined) {
          void reply
            .header('content-length', String(version.size))
            .header('repr-digest', reprDigestHeader(version.sha256));
          return reply.status(200).send(download.body);
        }
        return reply
          .status(206)
          .header('content-length', String(range.end - range.start))
          .header('content-range', `bytes ${range.start}-${range.end - 1}/${version.size}`)
          .send(download.body);
      },
    });
  });
}
