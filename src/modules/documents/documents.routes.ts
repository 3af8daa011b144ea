import type { FastifyInstance } from 'fastify';
import type { RouteAuthentication } from '../identity/identity.authentication.models.js';
import { registerAccessRequestRoutes } from './documents.access-requests.routes.js';
import { registerClassificationRoutes } from './documents.classification.routes.js';
import { registerContentRoutes } from './documents.content.routes.js';
import type { DocumentsDependencies } from './documents.dependencies.js';
import { registerDocumentRoutes } from './documents.documents.routes.js';
import { registerFolderRoutes } from './documents.folders.routes.js';
import { registerDocumentHistoryRoutes } from './documents.history.routes.js';
import { registerMatterRoutes } from './documents.matters.routes.js';
import { registerPartyRoutes } from './documents.parties.routes.js';

export async function registerDocumentsModuleRoutes(
  app: FastifyInstance,
  deps: DocumentsDependencies,
  { auth }: { auth: RouteAuthentication },
): Promise<void> {
  registerMatterRoutes(app, deps, auth);
  registerPartyRoutes(app, deps, auth);
  registerFolderRoutes(app, deps, auth);
  registerDocumentRoutes(app, deps, auth);
  registerDocumentHistoryRoutes(app, deps, auth);
  registerAccessRequestRoutes(app, deps, auth);
  registerClassificationRoutes(app, deps, auth);
  await registerContentRoutes(app, deps, auth);
}
