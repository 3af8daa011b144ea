import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { RouteAuthentication } from '../identity/identity.authentication.models.js';
import type { DocumentsDependencies } from './documents.dependencies.js';
import { createFolder, listFolder, setFolderTrashed, updateFolder } from './documents.folders.usecases.js';
import { presentDocument, presentFolder } from './documents.presenters.js';
import {
  createFolderBody,
  folderListingResponse,
  folderParams,
  folderResponse,
  matterParams,
  trashResponse,
  updateFolderBody,
} from './documents.schemas.js';
import { listTrash } from './documents.usecases.js';

export function registerFolderRoutes(
  app: FastifyInstance,
  deps: DocumentsDependencies,
  auth: RouteAuthentication,
): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  typed.route({
    method: 'POST',
    url: '/api/matters/:matterId/folders',
    schema: {
      tags: ['folders'],
      summary: 'Create a folder (in the root folder unless parentId is given)',
      params: matterParams,
      body: createFolderBody,
      response: { 201: folderResponse },
    },
    onRequest: auth.require(),
    handler: async (request, reply) => {
      const folder = await createFolder({
        ...deps,
        principal: auth.principalOf(request),
        ...request.params,
        ...request.body,
      });
      return reply.status(201).send(presentFolder(folder));
    },
  });

  typed.route({
    method: 'GET',
    url: '/api/matters/:matterId/folders/:folderId',
    schema: {
      tags: ['folders'],
      summary: "A folder's subfolders and documents, with its path from the root",
      params: folderParams,
      response: { 200: folderListingResponse },
    },
    onRequest: auth.require({ apiTokenScope: 'documents:read' }),
    handler: async (request) => {
      const listing = await listFolder({ ...deps, principal: auth.principalOf(request), ...request.params });
      return {
        folder: presentFolder(listing.folder),
        path: listing.path.map(presentFolder),
        folders: listing.folders.map(presentFolder),
        documents: listing.documents.map(presentDocument),
      };
    },
  });

  typed.route({
    method: 'PATCH',
    url: '/api/matters/:matterId/folders/:folderId',
    schema: {
      tags: ['folders'],
      summary: 'Rename and/or move a folder',
      params: folderParams,
      body: updateFolderBody,
      response: { 200: folderResponse },
    },
    onRequest: auth.require(),
    handler: async (request) =>
      presentFolder(
        await updateFolder({
          ...deps,
          principal: auth.principalOf(request),
          ...request.params,
          ...request.body,
        }),
      ),
  });

  for (const [action, isTrashed] of [
    ['trash', true],
    ['restore', false],
  ] as const) {
    typed.route({
      method: 'POST',
      url: `/api/matters/:matterId/folders/:folderId/${action}`,
      schema: {
        tags: ['folders'],
        summary: isTrashed ? 'Move a folder and its content to the trash' : 'Restore a folder from the trash',
        params: folderParams,
        response: { 204: Type.Null() },
      },
      onRequest: auth.require(),
      handler: async (request, reply) => {
        await setFolderTrashed({
          ...deps,
          principal: auth.principalOf(request),
          ...request.params,
          isTrashed,
        });
        return reply.status(204).send(null);
      },
    });
  }

  typed.route({
    method: 'GET',
    url: '/api/matters/:matterId/trash',
    schema: {
      tags: ['folders'],
      summary: "The matter's trashed folders and documents",
      params: matterParams,
      response: { 200: trashResponse },
    },
    onRequest: auth.require({ apiTokenScope: 'documents:read' }),
    handler: async (request) => {
      const trash = await listTrash({ ...deps, principal: auth.principalOf(request), ...request.params });
      return { folders: trash.folders.map(presentFolder), documents: trash.documents.map(presentDocument) };
    },
  });
}
