import { generateKeyPairSync } from 'node:crypto';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateNotificationId } from '../../src/modules/identity/identity.notifications.models.js';
import { generatePasskeyId } from '../../src/modules/identity/identity.passkeys.models.js';
import { type Caller, createAccountsHttpHarness } from '../../src/runtime/http/accounts.http.test-utils.js';

/*
 * The IDOR walk: every route of the OpenAPI document, called by a second user (B, a fully signed-in lawyer who
 * is no member of anything of A's) with A's ids in the path. A's resources answer 404 (or 401/403 when the route
 * is not B's to use at all), never 2xx, and no answer carries A's data. B's own routes answer B, and nothing of A.
 * A route of the document without a case below fails the suite: a new route needs a case.
 */

let harness: Awaited<ReturnType<typeof createAccountsHttpHarness>>;
beforeAll(async () => {
  harness = await createAccountsHttpHarness({ withLedgerReceipts: true });
});
afterAll(() => harness.close());
const call = (caller: Caller | undefined, options: InjectOptions) => harness.call(caller, options);

const marker = `IDORMARK${Date.now().toString(36)}`;
const names = {
  matter: `${marker}-matter`,
  folder: `${marker}-folder`,
  document: `${marker}-document.txt`,
  content: Buffer.from(`${marker}-content: privileged and confidential`),
  secondContent: Buffer.from(`${marker}-content-v2: privileged and confidential`),
  token: `${marker}-token`,
  passkey: `${marker}-passkey`,
};

/** What A holds; B must never see any of it. */
type World = {
  a: { caller: Caller; userId: string; username: string };
  admin: { caller: Caller; userId: string };
  b: { caller: Caller; userId: string; username: string };
  /** C's pending access request to A's matter (B may neither see nor decide it). */
  accessRequestId: string;
  /** A ledger entry A caused (A's upload). */
  ledgerEntryId: string;
  /** A's SSH public key. */
  sshKeyId: string;
  /** B's API token with every scope: the walk runs again through it. */
  bToken: Caller;
  matterId: string;
  rootFolderId: string;
  folderId: string;
  documentId: string;
  sessionId: string;
  tokenId: string;
  notificationId: string;
  passkeyId: string;
  invitationId: string;
  /** A group of users an administrator made, with A as member (B may neither change it nor screen it). */
  groupId: string;
  /** B's own matter, folder and document: for requests mixing B's ids with A's. */
  bMatterId: string;
  bFolderId: string;
  bDocumentId: string;
  /** A fresh, fully signed-in lawyer, for routes that change the caller's own account or session. */
  fresh: () => Promise<Caller>;
};

/** An inject request with its URL as a string (the walk compares it with what comes back). */
type Request = InjectOptions & { method: string; url: string };

type Case =
  /** A's resource in the path or body: every answer is one of `statuses`, never 2xx. */
  | {
      kind: 'foreign';
      statuses: readonly number[];
      requests: (w: World) => Request[];
      as?: 'b' | 'fresh';
    }
  /** B's own route: any of `statuses` (2xx allowed); the answer carries nothing of A's. */
  | {
      kind: 'own';
      statuses: readonly number[];
      requests: (w: World) => Request[];
      as?: 'b' | 'fresh' | 'anonymous';
      /** A's ids that B legitimately knows here (B typed them earlier, e.g. in an access request). */
      knows?: (w: World) => string[];
    }
  /** Public by design: no caller, nothing of A's to give; exercised anonymously all the same. */
  | { kind: 'public'; reason: string; requests: (w: World) => Request[] };

const notFound = [404] as const;
const notAdmin = [403] as const;
const refused = [400, 401, 403, 404, 409, 410, 422, 429] as const;
const raw = (payload: Buffer | string = 'B was here') => ({
  headers: { 'content-type': 'application/octet-stream' },
  payload,
});
const bogusToken = 'A'.repeat(43);
const bogusAssertion = {
  id: 'AAAA',
  rawId: 'AAAA',
  type: 'public-key',
  response: { clientDataJSON: 'AAAA', authenticatorData: 'AAAA', signature: 'AAAA' },
  clientExtensionResults: {},
};

const cases: Record<string, Case> = {
  // ---- Public by design ----
  'GET /healthz': {
    kind: 'public',
    reason: 'liveness',
    requests: () => [{ method: 'GET', url: '/healthz' }],
  },
  'GET /readyz': { kind: 'public', reason: 'readiness', requests: () => [{ method: 'GET', url: '/readyz' }] },
  'GET /ledger/checkpoint': {
    kind: 'public',
    reason: 'the transparency log is public: commitments only, no names or content',
    requests: () => [{ method: 'GET', url: '/ledger/checkpoint' }],
  },
  'GET /ledger/tile/{*}': {
    kind: 'public',
    reason: 'the transparency log is public: hashes and sealed entries only',
    requests: () => [
      { method: 'GET', url: '/ledger/tile/0/000' },
      { method: 'GET', url: '/ledger/tile/entries/000' },
    ],
  },
  'GET /api/ledger/proofs/inclusion': {
    kind: 'public',
    reason: 'proofs over the public log',
    requests: () => [{ method: 'GET', url: '/api/ledger/proofs/inclusion?index=0&size=1' }],
  },
  'GET /api/ledger/proofs/consistency': {
    kind: 'public',
    reason: 'proofs over the public log',
    requests: () => [{ method: 'GET', url: '/api/ledger/proofs/consistency?from=1&to=2' }],
  },
  'POST /ledger/cosignature': {
    kind: 'public',
    reason: 'witnesses add cosignatures to public checkpoints; verified signatures only',
    requests: () => [
      {
        method: 'POST',
        url: '/ledger/cosignature',
        headers: { 'content-type': 'text/plain' },
        payload: 'not a checkpoint\n',
      },
    ],
  },
  'GET /api/sftp': {
    kind: 'own',
    statuses: [503],
    // The installation's SFTP port and host key: the same for everyone signed in (no SFTP server here).
    requests: () => [{ method: 'GET', url: '/api/sftp' }],
  },
  'GET /api/ledger/verifier-key': {
    kind: 'own',
    statuses: [200],
    // The log's public key: the same for everyone signed in, nothing of A's.
    requests: () => [{ method: 'GET', url: '/api/ledger/verifier-key' }],
  },
  'GET /api/ledger/receipts/{entryId}': {
    kind: 'foreign',
    statuses: notFound,
    requests: (w) => [{ method: 'GET', url: `/api/ledger/receipts/${w.ledgerEntryId}` }],
  },
  'GET /api/setup': {
    kind: 'public',
    reason: 'whether setup is pending, for the first page',
    requests: () => [{ method: 'GET', url: '/api/setup' }],
  },
  'POST /api/setup': {
    kind: 'public',
    reason: 'needs the one-time setup token',
    requests: () => [
      {
        method: 'POST',
        url: '/api/setup',
        payload: { token: bogusToken, username: 'mallory', password: 'correct horse battery staple 42' },
      },
    ],
  },

  // ---- Sign-in and the caller's own session ----
  'POST /api/session': {
    kind: 'own',
    as: 'anonymous',
    statuses: [401],
    requests: (w) => [
      {
        method: 'POST',
        url: '/api/session',
        payload: { username: w.a.username, password: 'not A’s password 123' },
      },
    ],
  },
  'GET /api/session': {
    kind: 'own',
    statuses: [200],
    requests: () => [{ method: 'GET', url: '/api/session' }],
  },
  'DELETE /api/session': {
    kind: 'own',
    as: 'fresh',
    statuses: [204],
    requests: () => [{ method: 'DELETE', url: '/api/session' }],
  },
  'POST /api/session/second-factor': {
    kind: 'own',
    statuses: refused,
    requests: () => [{ method: 'POST', url: '/api/session/second-factor', payload: { code: '000000' } }],
  },
  'POST /api/session/step-up': {
    kind: 'own',
    as: 'fresh',
    statuses: refused,
    requests: () => [{ method: 'POST', url: '/api/session/step-up', payload: { code: '000000' } }],
  },
  'GET /api/sessions': {
    kind: 'own',
    statuses: [200],
    requests: () => [{ method: 'GET', url: '/api/sessions' }],
  },
  'DELETE /api/sessions/{id}': {
    kind: 'foreign',
    statuses: notFound,
    requests: (w) => [{ method: 'DELETE', url: `/api/sessions/${w.sessionId}` }],
  },
  'POST /api/password': {
    kind: 'own',
    statuses: refused,
    requests: () => [
      {
        method: 'POST',
        url: '/api/password',
        payload: { currentPassword: 'wrong password 123', newPassword: 'a new long passphrase 456' },
      },
    ],
  },

  // ---- Second factors ----
  'POST /api/mfa/totp': {
    kind: 'own',
    as: 'fresh',
    statuses: [200, 201, 403, 409],
    requests: () => [{ method: 'POST', url: '/api/mfa/totp', payload: {} }],
  },
  'DELETE /api/mfa/totp': {
    kind: 'own',
    as: 'fresh',
    statuses: [200, 204, 403, 409],
    requests: () => [{ method: 'DELETE', url: '/api/mfa/totp' }],
  },
  'POST /api/mfa/totp/confirm': {
    kind: 'own',
    statuses: refused,
    requests: () => [{ method: 'POST', url: '/api/mfa/totp/confirm', payload: { code: '000000' } }],
  },
  'POST /api/mfa/recovery-codes': {
    kind: 'own',
    as: 'fresh',
    statuses: [200, 201, 403],
    requests: () => [{ method: 'POST', url: '/api/mfa/recovery-codes', payload: {} }],
  },
  'POST /api/mfa/passkeys/registration-options': {
    kind: 'own',
    statuses: [200, 403],
    requests: () => [{ method: 'POST', url: '/api/mfa/passkeys/registration-options', payload: {} }],
  },
  'POST /api/mfa/passkeys': {
    kind: 'own',
    statuses: refused,
    requests: () => [
      {
        method: 'POST',
        url: '/api/mfa/passkeys',
        payload: {
          name: 'B key',
          response: {
            id: 'AAAA',
            rawId: 'AAAA',
            type: 'public-key',
            response: { clientDataJSON: 'AAAA', attestationObject: 'AAAA' },
            clientExtensionResults: {},
          },
        },
      },
    ],
  },
  'GET /api/mfa/passkeys': {
    kind: 'own',
    statuses: [200],
    requests: () => [{ method: 'GET', url: '/api/mfa/passkeys' }],
  },
  'PATCH /api/mfa/passkeys/{id}': {
    kind: 'foreign',
    statuses: notFound,
    requests: (w) => [
      { method: 'PATCH', url: `/api/mfa/passkeys/${w.passkeyId}`, payload: { name: 'mine now' } },
    ],
  },
  'DELETE /api/mfa/passkeys/{id}': {
    kind: 'foreign',
    statuses: notFound,
    requests: (w) => [{ method: 'DELETE', url: `/api/mfa/passkeys/${w.passkeyId}` }],
  },
  'POST /api/session/passkey-options': {
    kind: 'own',
    statuses: [200, ...refused],
    requests: () => [{ method: 'POST', url: '/api/session/passkey-options', payload: {} }],
  },
  'POST /api/session/passkey': {
    kind: 'own',
    statuses: refused,
    requests: () => [{ method: 'POST', url: '/api/session/passkey', payload: { response: bogusAssertion } }],
  },
  'POST /api/session/step-up/passkey-options': {
    kind: 'own',
    statuses: [200, ...refused],
    requests: () => [{ method: 'POST', url: '/api/session/step-up/passkey-options', payload: {} }],
  },
  'POST /api/session/step-up/passkey': {
    kind: 'own',
    statuses: refused,
    requests: () => [
      { method: 'POST', url: '/api/session/step-up/passkey', payload: { response: bogusAssertion } },
    ],
  },
  'POST /api/passkey-sign-in/options': {
    kind: 'own',
    as: 'anonymous',
    statuses: [200],
    requests: () => [{ method: 'POST', url: '/api/passkey-sign-in/options', payload: {} }],
  },
  'POST /api/passkey-sign-in': {
    kind: 'own',
    as: 'anonymous',
    statuses: refused,
    requests: () => [
      {
        method: 'POST',
        url: '/api/passkey-sign-in',
        payload: { challengeId: 'wchl_x', response: bogusAssertion },
      },
    ],
  },

  // ---- Administration: not B's to use at all ----
  'POST /api/admin/invitations': {
    kind: 'foreign',
    statuses: notAdmin,
    requests: () => [{ method: 'POST', url: '/api/admin/invitations', payload: { role: 'admin' } }],
  },
  'GET /api/admin/invitations': {
    kind: 'foreign',
    statuses: notAdmin,
    requests: () => [{ method: 'GET', url: '/api/admin/invitations' }],
  },
  'DELETE /api/admin/invitations/{id}': {
    kind: 'foreign',
    statuses: notAdmin,
    requests: (w) => [{ method: 'DELETE', url: `/api/admin/invitations/${w.invitationId}` }],
  },
  'GET /api/admin/users': {
    kind: 'foreign',
    statuses: notAdmin,
    requests: () => [{ method: 'GET', url: '/api/admin/users' }],
  },
  'GET /api/admin/compliance-officers': {
    kind: 'foreign',
    statuses: notAdmin,
    requests: () => [{ method: 'GET', url: '/api/admin/compliance-officers' }],
  },
  'POST /api/admin/users/{id}/unlock': {
    kind: 'foreign',
    statuses: notAdmin,
    requests: (w) => [{ method: 'POST', url: `/api/admin/users/${w.a.userId}/unlock`, payload: {} }],
  },
  'POST /api/admin/users/{id}/disable': {
    kind: 'foreign',
    statuses: notAdmin,
    requests: (w) => [{ method: 'POST', url: `/api/admin/users/${w.a.userId}/disable`, payload: {} }],
  },
  'POST /api/admin/users/{id}/enable': {
    kind: 'foreign',
    statuses: notAdmin,
    requests: (w) => [{ method: 'POST', url: `/api/admin/users/${w.a.userId}/enable`, payload: {} }],
  },
  'POST /api/admin/users/{id}/sessions/revoke': {
    kind: 'foreign',
    statuses: notAdmin,
    requests: (w) => [{ method: 'POST', url: `/api/admin/users/${w.a.userId}/sessions/revoke`, payload: {} }],
  },
  'POST /api/admin/users/{id}/password-reset': {
    kind: 'foreign',
    statuses: notAdmin,
    requests: (w) => [{ method: 'POST', url: `/api/admin/users/${w.a.userId}/password-reset`, payload: {} }],
  },
  'GET /api/admin/groups': {
    kind: 'foreign',
    statuses: notAdmin,
    requests: () => [{ method: 'GET', url: '/api/admin/groups' }],
  },
  'POST /api/admin/groups': {
    kind: 'foreign',
    statuses: notAdmin,
    requests: () => [{ method: 'POST', url: '/api/admin/groups', payload: { name: 'B group' } }],
  },
  'PATCH /api/admin/groups/{id}': {
    kind: 'foreign',
    statuses: notAdmin,
    requests: (w) => [
      { method: 'PATCH', url: `/api/admin/groups/${w.groupId}`, payload: { name: 'B was here' } },
    ],
  },
  'DELETE /api/admin/groups/{id}': {
    kind: 'foreign',
    statuses: notAdmin,
    requests: (w) => [{ method: 'DELETE', url: `/api/admin/groups/${w.groupId}` }],
  },
  'PUT /api/admin/groups/{id}/members/{userId}': {
    kind: 'foreign',
    statuses: notAdmin,
    requests: (w) => [{ method: 'PUT', url: `/api/admin/groups/${w.groupId}/members/${w.b.userId}` }],
  },
  'DELETE /api/admin/groups/{id}/members/{userId}': {
    kind: 'foreign',
    statuses: notAdmin,
    requests: (w) => [{ method: 'DELETE', url: `/api/admin/groups/${w.groupId}/members/${w.a.userId}` }],
  },

  // ---- Link-token front doors: a secret in the body, nobody's id in the path ----
  'POST /api/invitations/accept': {
    kind: 'own',
    as: 'anonymous',
    statuses: refused,
    requests: () => [
      {
        method: 'POST',
        url: '/api/invitations/accept',
        payload: { token: bogusToken, username: 'mallory', password: 'correct horse battery staple 42' },
      },
    ],
  },
  'POST /api/password-resets/complete': {
    kind: 'own',
    as: 'anonymous',
    statuses: refused,
    requests: () => [
      {
        method: 'POST',
        url: '/api/password-resets/complete',
        payload: { token: bogusToken, newPassword: 'correct horse battery staple 42' },
      },
    ],
  },
  'POST /api/password-resets/recovery': {
    kind: 'own',
    as: 'anonymous',
    statuses: refused,
    requests: (w) => [
      {
        method: 'POST',
        url: '/api/password-resets/recovery',
        payload: {
          username: w.a.username,
          code: 'AAAA-BBBB-CCCC',
          newPassword: 'correct horse battery staple 42',
        },
      },
    ],
  },

  // ---- API tokens and notifications ----
  'POST /api/tokens': {
    kind: 'own',
    statuses: [201],
    requests: () => [
      {
        method: 'POST',
        url: '/api/tokens',
        payload: { name: 'B token', scopes: ['documents:read'], expiresInDays: 7 },
      },
    ],
  },
  'GET /api/tokens': {
    kind: 'own',
    statuses: [200],
    requests: () => [{ method: 'GET', url: '/api/tokens' }],
  },
  'DELETE /api/tokens/{id}': {
    kind: 'foreign',
    statuses: notFound,
    requests: (w) => [{ method: 'DELETE', url: `/api/tokens/${w.tokenId}` }],
  },
  'GET /api/notifications': {
    kind: 'own',
    statuses: [200],
    requests: () => [{ method: 'GET', url: '/api/notifications' }],
  },
  'POST /api/notifications/{id}/read': {
    kind: 'foreign',
    statuses: notFound,
    requests: (w) => [{ method: 'POST', url: `/api/notifications/${w.notificationId}/read`, payload: {} }],
  },
  'PUT /api/me/email': {
    kind: 'own',
    statuses: [200, 204],
    requests: () => [{ method: 'PUT', url: '/api/me/email', payload: { email: 'b@example.test' } }],
  },
  'POST /api/directory/lookup': {
    kind: 'own',
    statuses: [200],
    // B typed A's username (a colleague's name): the directory answers A's id, username and role, no more.
    requests: (w) => [
      { method: 'POST', url: '/api/directory/lookup', payload: { usernames: [w.a.username] } },
      { method: 'POST', url: '/api/directory/lookup', payload: { userIds: [w.a.userId] } },
    ],
    knows: (w) => [w.a.username, w.a.userId],
  },
  'GET /api/directory/groups': {
    kind: 'own',
    statuses: [200],
    // Groups' ids and names are the firm's to choose from, for staff; their members are not listed.
    requests: () => [{ method: 'GET', url: '/api/directory/groups' }],
  },

  // ---- Matters ----
  'POST /api/matters': {
    kind: 'own',
    statuses: [201],
    requests: () => [{ method: 'POST', url: '/api/matters', payload: { name: 'B’s own matter' } }],
  },
  'GET /api/matters': {
    kind: 'own',
    statuses: [200],
    requests: () => [{ method: 'GET', url: '/api/matters' }],
  },
  'GET /api/matters/{matterId}': {
    kind: 'foreign',
    statuses: notFound,
    requests: (w) => [{ method: 'GET', url: `/api/matters/${w.matterId}` }],
  },
  'GET /api/matters/{matterId}/members': {
    kind: 'foreign',
    statuses: notFound,
    requests: (w) => [{ method: 'GET', url: `/api/matters/${w.matterId}/members` }],
  },
  'PUT /api/matters/{matterId}/members/{userId}': {
    kind: 'foreign',
    statuses: notFound,
    requests: (w) => [
      // B grants himself a seat in A's matter; B grants A's matter a member through B's own id.
      { method: 'PUT', url: `/api/matters/${w.matterId}/members/${w.b.userId}`, payload: { role: 'owner' } },
      { method: 'PUT', url: `/api/matters/${w.matterId}/members/${w.a.userId}`, payload: { role: 'viewer' } },
    ],
  },
  'DELETE /api/matters/{matterId}/members/{userId}': {
    kind: 'foreign',
    statuses: notFound,
    requests: (w) => [{ method: 'DELETE', url: `/api/matters/${w.matterId}/members/${w.a.userId}` }],
  },
  'POST /api/matters/{matterId}/keys/rotate': {
    kind: 'foreign',
    statuses: notFound,
    requests: (w) => [{ method: 'POST', url: `/api/matters/${w.matterId}/keys/rotate`, payload: {} }],
  },
  'GET /api/matters/{matterId}/trash': {
    kind: 'foreign',
    statuses: notFound,
    requests: (w) => [{ method: 'GET', url: `/api/matters/${w.matterId}/trash` }],
  },

  // ---- Folders (also with B's own matter in the path and A's folder) ----
  'POST /api/matters/{matterId}/folders': {
    kind: 'foreign',
    statuses: notFound,
    requests: (w) => [
      { method: 'POST', url: `/api/matters/${w.matterId}/folders`, payload: { name: 'B folder' } },
      {
        method: 'POST',
        url: `/api/matters/${w.bMatterId}/folders`,
        payload: { name: 'B folder', parentId: w.folderId },
      },
    ],
  },
  'GET /api/matters/{matterId}/folders/{folderId}': {
    kind: 'foreign',
    statuses: notFound,
    requests: (w) => [
      { method: 'GET', url: `/api/matters/${w.matterId}/folders/${w.folderId}` },
      { method: 'GET', url: `/api/matters/${w.matterId}/folders/${w.rootFolderId}` },
      { method: 'GET', url: `/api/matters/${w.bMatterId}/folders/${w.folderId}` },
    ],
  },
  'PATCH /api/matters/{matterId}/folders/{folderId}': {
    kind: 'foreign',
    statuses: notFound,
    requests: (w) => [
      {
        method: 'PATCH',
        url: `/api/matters/${w.matterId}/folders/${w.folderId}`,
        payload: { name: 'renamed' },
      },
      {
        method: 'PATCH',
        url: `/api/matters/${w.bMatterId}/folders/${w.folderId}`,
        payload: { name: 'renamed' },
      },
      // B moves his own folder under A's folder.
      {
        method: 'PATCH',
        url: `/api/matters/${w.bMatterId}/folders/${w.bFolderId}`,
        payload: { parentId: w.folderId },
      },
    ],
  },
  'POST /api/matters/{matterId}/folders/{folderId}/trash': {
    kind: 'foreign',
    statuses: notFound,
    requests: (w) => [
      { method: 'POST', url: `/api/matters/${w.matterId}/folders/${w.folderId}/trash`, payload: {} },
      { method: 'POST', url: `/api/matters/${w.bMatterId}/folders/${w.folderId}/trash`, payload: {} },
    ],
  },
  'POST /api/matters/{matterId}/folders/{folderId}/restore': {
    kind: 'foreign',
    statuses: notFound,
    requests: (w) => [
      { method: 'POST', url: `/api/matters/${w.matterId}/folders/${w.folderId}/restore`, payload: {} },
      { method: 'POST', url: `/api/matters/${w.bMatterId}/folders/${w.folderId}/restore`, payload: {} },
    ],
  },

  // ---- Classification (lowering needs ownership; raising needs a member who writes) ----
  'POST /api/matters/{matterId}/parties': {
    kind: 'foreign',
    statuses: notFound,
    requests: (w) => [
      {
        method: 'POST',
        url: `/api/matters/${w.matterId}/parties`,
        payload: { kind: 'client', name: 'Intruder Ltd' },
      },
    ],
  },
  'GET /api/matters/{matterId}/parties': {
    kind: 'foreign',
    statuses: notFound,
    requests: (w) => [{ method: 'GET', url: `/api/matters/${w.matterId}/parties` }],
  },
  'DELETE /api/matters/{matterId}/parties/{partyId}': {
    kind: 'foreign',
    statuses: notFound,
    requests: (w) => [
      { method: 'DELETE', url: `/api/matters/${w.matterId}/parties/pty_00000000000000000000000000` },
    ],
  },
  'PUT /api/matters/{matterId}/status': {
    kind: 'foreign',
    statuses: notFound,
    requests: (w) => [
      { method: 'PUT', url: `/api/matters/${w.matterId}/status`, payload: { status: 'closed' } },
      { method: 'PUT', url: `/api/matters/${w.matterId}/status`, payload: { status: 'archived' } },
    ],
  },
  'PUT /api/matters/{matterId}/classification': {
    kind: 'foreign',
    statuses: notFound,
    requests: (w) => [
      {
        method: 'PUT',
        url: `/api/matters/${w.matterId}/classification`,
        payload: { classification: 'public' },
      },
      {
        method: 'PUT',
        url: `/api/matters/${w.matterId}/classification`,
        payload: { classification: 'highly_sensitive' },
      },
    ],
  },
  'PUT /api/matters/{matterId}/folders/{folderId}/classification': {
    kind: 'foreign',
    statuses: notFound,
    requests: (w) => [
      {
        method: 'PUT',
        url: `/api/matters/${w.matterId}/folders/${w.folderId}/classification`,
        payload: { classification: 'public' },
      },
      {
        method: 'PUT',
        url: `/api/matters/${w.bMatterId}/folders/${w.folderId}/classification`,
        payload: { classification: 'highly_sensitive' },
      },
    ],
  },
  'PUT /api/documents/{documentId}/classification': {
    kind: 'foreign',
    statuses: notFound,
    requests: (w) => [
      {
        method: 'PUT',
        url: `/api/documents/${w.documentId}/classification`,
        payload: { classification: 'public' },
      },
      {
        method: 'PUT',
        url: `/api/documents/${w.documentId}/classification`,
        payload: { classification: 'inherit' },
      },
    ],
  },

  // ---- Ethical walls and compliance officers: not a lawyer's to use ----
  'PUT /api/admin/compliance-officers/{userId}': {
    kind: 'foreign',
    statuses: notAdmin,
    requests: (w) => [{ method: 'PUT', url: `/api/admin/compliance-officers/${w.b.userId}` }],
  },
  'DELETE /api/admin/compliance-officers/{userId}': {
    kind: 'foreign',
    statuses: notAdmin,
    requests: (w) => [{ method: 'DELETE', url: `/api/admin/compliance-officers/${w.a.userId}` }],
  },
  'POST /api/matters/{matterId}/walls': {
    kind: 'foreign',
    statuses: [403, 404],
    requests: (w) => [
      // B screens A from A's own matter; B screens A from B's matter (B is no compliance officer).
      { method: 'POST', url: `/api/matters/${w.matterId}/walls`, payload: { userId: w.a.userId } },
      { method: 'POST', url: `/api/matters/${w.bMatterId}/walls`, payload: { userId: w.a.userId } },
      { method: 'POST', url: `/api/matters/${w.matterId}/walls`, payload: { groupId: w.groupId } },
      { method: 'POST', url: `/api/matters/${w.bMatterId}/walls`, payload: { groupId: w.groupId } },
    ],
  },
  'DELETE /api/matters/{matterId}/walls/groups/{groupId}': {
    kind: 'foreign',
    statuses: [403, 404],
    requests: (w) => [{ method: 'DELETE', url: `/api/matters/${w.matterId}/walls/groups/${w.groupId}` }],
  },
  'GET /api/matters/{matterId}/walls': {
    kind: 'foreign',
    statuses: [403, 404],
    requests: (w) => [{ method: 'GET', url: `/api/matters/${w.matterId}/walls` }],
  },
  'DELETE /api/matters/{matterId}/walls/{userId}': {
    kind: 'foreign',
    statuses: [403, 404],
    requests: (w) => [{ method: 'DELETE', url: `/api/matters/${w.matterId}/walls/${w.b.userId}` }],
  },

  // ---- Access requests: anyone on staff may ask, with the same answer whether the matter exists or not ----
  'POST /api/matters/{matterId}/access-requests': {
    kind: 'own',
    statuses: [202],
    knows: (w) => [w.matterId],
    requests: (w) => [
      {
        method: 'POST',
        url: `/api/matters/${w.matterId}/access-requests`,
        payload: { role: 'viewer', reason: 'B would like to see' },
      },
      {
        method: 'POST',
        url: `/api/matters/mat_${'0'.repeat(26)}/access-requests`,
        payload: { role: 'viewer', reason: 'B would like to see' },
      },
    ],
  },
  'GET /api/access-requests': {
    kind: 'own',
    statuses: [200],
    // B's own request names the matter B asked about, nothing more.
    knows: (w) => [w.matterId],
    requests: () => [{ method: 'GET', url: '/api/access-requests' }],
  },
  'GET /api/access-requests/awaiting-me': {
    kind: 'own',
    statuses: [200],
    // B owns no matter of A's: B's request on A's matter waits for A, never for B.
    requests: () => [{ method: 'GET', url: '/api/access-requests/awaiting-me' }],
  },
  'GET /api/matters/{matterId}/access-requests': {
    kind: 'foreign',
    statuses: notFound,
    requests: (w) => [{ method: 'GET', url: `/api/matters/${w.matterId}/access-requests` }],
  },
  'POST /api/matters/{matterId}/access-requests/{requestId}/approve': {
    kind: 'foreign',
    statuses: notFound,
    requests: (w) => [
      {
        method: 'POST',
        url: `/api/matters/${w.matterId}/access-requests/${w.accessRequestId}/approve`,
        payload: {},
      },
      // B's own matter in the path, C's request to A's matter.
      {
        method: 'POST',
        url: `/api/matters/${w.bMatterId}/access-requests/${w.accessRequestId}/approve`,
        payload: {},
      },
    ],
  },
  'POST /api/matters/{matterId}/access-requests/{requestId}/deny': {
    kind: 'foreign',
    statuses: notFound,
    requests: (w) => [
      {
        method: 'POST',
        url: `/api/matters/${w.matterId}/access-requests/${w.accessRequestId}/deny`,
        payload: {},
      },
      {
        method: 'POST',
        url: `/api/matters/${w.bMatterId}/access-requests/${w.accessRequestId}/deny`,
        payload: {},
      },
    ],
  },

  // Only the requester withdraws: B gets not-found for C's request, under A's matter or B's own.
  'POST /api/matters/{matterId}/access-requests/{requestId}/withdraw': {
    kind: 'foreign',
    statuses: notFound,
    requests: (w) => [
      {
        method: 'POST',
        url: `/api/matters/${w.matterId}/access-requests/${w.accessRequestId}/withdraw`,
        payload: {},
      },
      {
        method: 'POST',
        url: `/api/matters/${w.bMatterId}/access-requests/${w.accessRequestId}/withdraw`,
        payload: {},
      },
    ],
  },

  // ---- Access reports (owners and auditors) ----
  'GET /api/matters/{matterId}/access-report': {
    kind: 'foreign',
    statuses: [403, 404],
    requests: (w) => [{ method: 'GET', url: `/api/matters/${w.matterId}/access-report` }],
  },
  'GET /api/matters/{matterId}/access-report.csv': {
    kind: 'foreign',
    statuses: [403, 404],
    requests: (w) => [{ method: 'GET', url: `/api/matters/${w.matterId}/access-report.csv` }],
  },

  // ---- SSH keys ----
  'POST /api/ssh-keys': {
    kind: 'own',
    statuses: [201],
    requests: () => [
      {
        method: 'POST',
        url: '/api/ssh-keys',
        payload: { name: 'B laptop', publicKey: openSshEd25519Key('b@laptop') },
      },
    ],
  },
  'GET /api/ssh-keys': {
    kind: 'own',
    statuses: [200],
    requests: () => [{ method: 'GET', url: '/api/ssh-keys' }],
  },
  'DELETE /api/ssh-keys/{id}': {
    kind: 'foreign',
    statuses: notFound,
    requests: (w) => [{ method: 'DELETE', url: `/api/ssh-keys/${w.sshKeyId}` }],
  },

  // ---- Documents ----
  'GET /api/documents/{documentId}': {
    kind: 'foreign',
    statuses: notFound,
    requests: (w) => [{ method: 'GET', url: `/api/documents/${w.documentId}` }],
  },
  'GET /api/documents/{documentId}/history': {
    kind: 'foreign',
    statuses: notFound,
    requests: (w) => [{ method: 'GET', url: `/api/documents/${w.documentId}/history` }],
  },
  'PATCH /api/documents/{documentId}': {
    kind: 'foreign',
    statuses: notFound,
    requests: (w) => [
      { method: 'PATCH', url: `/api/documents/${w.documentId}`, payload: { name: 'renamed.txt' } },
      { method: 'PATCH', url: `/api/documents/${w.documentId}`, payload: { folderId: w.bFolderId } },
      // B moves his own document into A's folder.
      { method: 'PATCH', url: `/api/documents/${w.bDocumentId}`, payload: { folderId: w.folderId } },
    ],
  },
  'POST /api/documents/{documentId}/trash': {
    kind: 'foreign',
    statuses: notFound,
    requests: (w) => [{ method: 'POST', url: `/api/documents/${w.documentId}/trash`, payload: {} }],
  },
  'POST /api/documents/{documentId}/restore': {
    kind: 'foreign',
    statuses: notFound,
    requests: (w) => [{ method: 'POST', url: `/api/documents/${w.documentId}/restore`, payload: {} }],
  },
  'POST /api/matters/{matterId}/documents': {
    kind: 'foreign',
    statuses: notFound,
    requests: (w) => [
      { method: 'POST', url: `/api/matters/${w.matterId}/documents?name=b.txt`, ...raw() },
      // Same name as A's document: would add a version to it.
      {
        method: 'POST',
        url: `/api/matters/${w.matterId}/documents?name=${encodeURIComponent(names.document)}&folderId=${w.folderId}`,
        ...raw(),
      },
      // B's own matter, A's folder.
      {
        method: 'POST',
        url: `/api/matters/${w.bMatterId}/documents?name=b.txt&folderId=${w.folderId}`,
        ...raw(),
      },
    ],
  },
  'POST /api/documents/{documentId}/versions': {
    kind: 'foreign',
    statuses: notFound,
    requests: (w) => [{ method: 'POST', url: `/api/documents/${w.documentId}/versions`, ...raw() }],
  },
  'GET /api/documents/{documentId}/content': {
    kind: 'foreign',
    statuses: notFound,
    requests: (w) => [
      { method: 'GET', url: `/api/documents/${w.documentId}/content` },
      { method: 'GET', url: `/api/documents/${w.documentId}/content?version=1` },
      { method: 'GET', url: `/api/documents/${w.documentId}/content`, headers: { range: 'bytes=0-10' } },
    ],
  },
};

type OpenApi = { paths: Record<string, Record<string, unknown>> };

async function routesOfOpenApi(): Promise<string[]> {
  const response = await harness.app.inject({ method: 'GET', url: '/api/openapi.json' });
  expect(response.statusCode).toBe(200);
  const document = response.json<OpenApi>();
  const methods = new Set(['get', 'post', 'put', 'patch', 'delete']);
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.keys(operations)
      .filter((method) => methods.has(method))
      .map((method) => `${method.toUpperCase()} ${path}`),
  );
}

async function upload(caller: Caller, url: string, content: Buffer) {
  const response = await call(caller, { method: 'POST', url, ...raw(content) });
  expect(response.statusCode, response.body).toBeLessThan(300);
  return response.json<{ document: { id: string } }>();
}

/** A fresh OpenSSH ed25519 public key line. */
function openSshEd25519Key(comment: string): string {
  const der = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' });
  const raw32 = der.subarray(der.length - 32);
  const field = (value: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, value.length]), value]);
  const blob = Buffer.concat([field(Buffer.from('ssh-ed25519')), field(raw32)]);
  return `ssh-ed25519 ${blob.toString('base64')} ${comment}`;
}

async function buildWorld(): Promise<World> {
  const a = await harness.signedIn('lawyer');
  const admin = await harness.signedIn('admin');
  const b = await harness.signedIn('lawyer');
  const fresh = async () => (await harness.signedIn('lawyer')).caller;

  const matter = await call(a.caller, {
    method: 'POST',
    url: '/api/matters',
    payload: { name: names.matter },
  });
  expect(matter.statusCode).toBe(201);
  const { id: matterId, rootFolderId } = matter.json<{ id: string; rootFolderId: string }>();
  const folder = await call(a.caller, {
    method: 'POST',
    url: `/api/matters/${matterId}/folders`,
    payload: { name: names.folder },
  });
  expect(folder.statusCode).toBe(201);
  const folderId = folder.json<{ id: string }>().id;
  const documentUrl = `/api/matters/${matterId}/documents?name=${encodeURIComponent(names.document)}&folderId=${folderId}`;
  const documentId = (await upload(a.caller, documentUrl, names.content)).document.id;
  await upload(a.caller, `/api/documents/${documentId}/versions`, names.secondContent);
  // A trashed document and folder too: restore routes have something to find.
  await upload(a.caller, `/api/matters/${matterId}/documents?name=${marker}-trashed.txt`, names.content);

  const sessions = await call(a.caller, { method: 'GET', url: '/api/sessions' });
  expect(sessions.statusCode).toBe(200);
  const [session] = sessions.json<{ sessions: { id: string }[] }>().sessions;
  if (session === undefined) throw new Error('A has no session');
  const sessionId = session.id;
  const token = await call(a.caller, {
    method: 'POST',
    url: '/api/tokens',
    payload: { name: names.token, scopes: ['documents:read'], expiresInDays: 7 },
  });
  expect(token.statusCode, token.body).toBe(201);
  const tokenId = token.json<{ apiToken: { id: string } }>().apiToken.id;

  const now = harness.clock.now().getTime();
  const notificationId = generateNotificationId();
  await harness.db
    .insertInto('notifications')
    .values({
      id: notificationId,
      user_id: a.user.id,
      kind: 'api_token.created',
      payload: JSON.stringify({ name: names.token }),
      created_at: now,
      read_at: null,
      mailed_at: null,
      mail_next_attempt_at: null,
    })
    .execute();
  const passkeyId = generatePasskeyId();
  await harness.db
    .insertInto('webauthn_credentials')
    .values({
      id: passkeyId,
      user_id: a.user.id,
      credential_id: `${marker}-credential`,
      public_key: new Uint8Array(32),
      sign_count: 0,
      transports: '[]',
      name: names.passkey,
      device_type: 'singleDevice',
      is_backed_up: 0,
      created_at: now,
      last_used_at: null,
    })
    .execute();
  const invitation = await call(admin.caller, {
    method: 'POST',
    url: '/api/admin/invitations',
    payload: { role: 'lawyer' },
  });
  expect(invitation.statusCode, invitation.body).toBe(201);
  const invitationId = invitation.json<{ invitation: { id: string } }>().invitation.id;
  const group = await call(admin.caller, {
    method: 'POST',
    url: '/api/admin/groups',
    payload: { name: 'A team' },
  });
  expect(group.statusCode, group.body).toBe(201);
  const groupId = group.json<{ id: string }>().id;
  const joined = await call(admin.caller, {
    method: 'PUT',
    url: `/api/admin/groups/${groupId}/members/${a.user.id}`,
  });
  expect(joined.statusCode, joined.body).toBe(200);

  const bMatter = await call(b.caller, {
    method: 'POST',
    url: '/api/matters',
    payload: { name: 'B matter' },
  });
  const bMatterId = bMatter.json<{ id: string }>().id;
  const bFolder = await call(b.caller, {
    method: 'POST',
    url: `/api/matters/${bMatterId}/folders`,
    payload: { name: 'B folder' },
  });
  const bFolderId = bFolder.json<{ id: string }>().id;
  const bDocumentId = (
    await upload(
      b.caller,
      `/api/matters/${bMatterId}/documents?name=b-own.txt&folderId=${bFolderId}`,
      names.content.subarray(0, 0),
    )
  ).document.id;

  const c = await harness.signedIn('lawyer');
  const asked = await call(c.caller, {
    method: 'POST',
    url: `/api/matters/${matterId}/access-requests`,
    payload: { role: 'editor', reason: `${marker} C needs this` },
  });
  expect(asked.statusCode, asked.body).toBe(202);
  const pending = await call(a.caller, { method: 'GET', url: `/api/matters/${matterId}/access-requests` });
  expect(pending.statusCode, pending.body).toBe(200);
  const [accessRequest] = pending.json<{ requests: { id: string }[] }>().requests;
  if (accessRequest === undefined) throw new Error('C’s access request is not pending');
  const sshKey = await call(a.caller, {
    method: 'POST',
    url: '/api/ssh-keys',
    payload: { name: `${marker}-ssh`, publicKey: openSshEd25519Key(`${marker}@a`) },
  });
  expect(sshKey.statusCode, sshKey.body).toBe(201);

  const entries = await harness.db.selectFrom('ledger_pending_entries').select(['id', 'entry']).execute();
  // An event A caused about A's documents (its receipt is A's alone).
  const ledgerEntry = entries.find((row) => {
    const event = JSON.parse(row.entry) as { actor?: { id?: string }; kind?: string };
    return event.actor?.id === a.user.id && event.kind?.startsWith('documents.') === true;
  });
  if (ledgerEntry === undefined) throw new Error('A caused no ledger entry');

  const bToken = await call(b.caller, {
    method: 'POST',
    url: '/api/tokens',
    payload: {
      name: 'B sync',
      scopes: ['matters:read', 'documents:read', 'documents:write'],
      expiresInDays: 7,
    },
  });
  expect(bToken.statusCode, bToken.body).toBe(201);

  return {
    ledgerEntryId: ledgerEntry.id,
    accessRequestId: accessRequest.id,
    sshKeyId: sshKey.json<{ sshKey: { id: string } }>().sshKey.id,
    bToken: { cookie: undefined, csrf: undefined, bearer: bToken.json<{ token: string }>().token },
    a: { caller: a.caller, userId: a.user.id, username: a.user.username },
    admin: { caller: admin.caller, userId: admin.user.id },
    b: { caller: b.caller, userId: b.user.id, username: b.user.username },
    matterId,
    rootFolderId,
    folderId,
    documentId,
    sessionId,
    tokenId,
    notificationId,
    passkeyId,
    invitationId,
    groupId,
    bMatterId,
    bFolderId,
    bDocumentId,
    fresh,
  };
}

/** Strings that are A's alone: none may appear in anything B receives. */
function secretsOf(w: World): string[] {
  return [
    marker,
    w.a.username,
    w.a.userId,
    w.matterId,
    w.folderId,
    w.documentId,
    w.sessionId,
    w.tokenId,
    w.passkeyId,
    w.invitationId,
    w.notificationId,
  ];
}

describe('IDOR walk: every route of the OpenAPI document, as another user', () => {
  let world: World;
  beforeAll(async () => {
    world = await buildWorld();
  });

  test('every route has a case (a new route needs one here)', async () => {
    const routes = await routesOfOpenApi();
    const missing = routes.filter((route) => !(route in cases));
    expect(missing, `routes without an IDOR case: add them to \`cases\` in ${import.meta.url}`).toEqual([]);
    const stale = Object.keys(cases).filter((route) => !routes.includes(route));
    expect(stale, 'cases for routes the OpenAPI document no longer has').toEqual([]);
  });

  test('B gets nothing of A’s, whatever route and ids it tries', async () => {
    const routes = await routesOfOpenApi();
    const failures: string[] = [];
    const statuses: Record<string, number> = {};
    const secrets = secretsOf(world);
    for (const route of routes) {
      const entry = cases[route];
      if (entry === undefined) continue;
      const as = entry.kind === 'public' ? 'anonymous' : (entry.as ?? 'b');
      const caller = as === 'anonymous' ? undefined : as === 'fresh' ? await world.fresh() : world.b.caller;
      for (const options of entry.requests(world)) {
        const response: LightMyRequestResponse = await call(caller, options);
        const label = `${route} → ${options.method} ${options.url}: ${response.statusCode}`;
        const status = response.statusCode;
        const kindStatus = `${entry.kind} ${status}`;
        statuses[kindStatus] = (statuses[kindStatus] ?? 0) + 1;
        if (entry.kind === 'foreign') {
          if (status < 300 || !entry.statuses.includes(status))
            failures.push(`${label} (expected ${entry.statuses.join('/')}) ${response.body.slice(0, 200)}`);
        } else if (entry.kind === 'own') {
          if (!entry.statuses.includes(status))
            failures.push(`${label} (expected ${entry.statuses.join('/')}) ${response.body.slice(0, 200)}`);
        } else if (status >= 500) {
          failures.push(`${label} (a public route failed)`);
        }
        // Problem details may echo what B sent (ids in the path); anything else of A's is a leak.
        const known = entry.kind === 'own' ? (entry.knows?.(world) ?? []) : [];
        const sent = `${options.url} ${JSON.stringify(options.payload ?? '')} ${known.join(' ')}`;
        const body = response.rawPayload.toString('latin1');
        for (const secret of secrets) {
          if (body.includes(secret) && !sent.includes(secret)) failures.push(`${label} leaks ${secret}`);
        }
        if (body.includes(marker)) failures.push(`${label} leaks A's names or content`);
      }
    }
    expect(failures).toEqual([]);
    // Not a vacuous walk: A's resources were asked for, and answered 404.
    expect(statuses['foreign 404']).toBeGreaterThan(40);
    expect(Object.keys(statuses).filter((key) => /^foreign 2/.test(key))).toEqual([]);
  });

  test('through B’s API token (every scope), A’s resources answer 404, 401 or 403 and leak nothing', async () => {
    const routes = await routesOfOpenApi();
    const failures: string[] = [];
    const secrets = secretsOf(world);
    let notFoundCount = 0;
    for (const route of routes) {
      const entry = cases[route];
      if (entry?.kind !== 'foreign') continue;
      for (const options of entry.requests(world)) {
        const response = await call(world.bToken, options);
        const status = response.statusCode;
        const label = `${route} → ${options.method} ${options.url}: ${status}`;
        if (status === 404) notFoundCount += 1;
        if (![...entry.statuses, 401, 403].includes(status))
          failures.push(`${label} ${response.body.slice(0, 200)}`);
        const sent = `${options.url} ${JSON.stringify(options.payload ?? '')}`;
        const body = response.rawPayload.toString('latin1');
        for (const secret of secrets) {
          if (body.includes(secret) && !sent.includes(secret)) failures.push(`${label} leaks ${secret}`);
        }
      }
    }
    expect(failures).toEqual([]);
    // Token-scoped routes (listing, download, upload) were reached, and answered 404.
    expect(notFoundCount).toBeGreaterThan(3);
  });

  test('A’s matter, documents, session, token and passkey are untouched afterwards', async () => {
    const w = world;
    const document = await call(w.a.caller, { method: 'GET', url: `/api/documents/${w.documentId}` });
    expect(document.statusCode).toBe(200);
    expect(document.json()).toMatchObject({
      document: { name: names.document, folderId: w.folderId, currentVersion: 2, classification: 'internal' },
    });
    const content = await call(w.a.caller, { method: 'GET', url: `/api/documents/${w.documentId}/content` });
    expect(content.rawPayload).toEqual(names.secondContent);
    const members = await call(w.a.caller, { method: 'GET', url: `/api/matters/${w.matterId}/members` });
    expect(members.json<{ members: { userId: string }[] }>().members.map((m) => m.userId)).toEqual([
      w.a.userId,
    ]);
    const listing = await call(w.a.caller, {
      method: 'GET',
      url: `/api/matters/${w.matterId}/folders/${w.folderId}`,
    });
    expect(listing.json<{ folder: { name: string }; folders: unknown[] }>()).toMatchObject({
      folder: { name: names.folder },
      folders: [],
    });
    const tokens = await call(w.a.caller, { method: 'GET', url: '/api/tokens' });
    expect(tokens.json<{ apiTokens: { id: string; revokedAt?: string }[] }>().apiTokens).toEqual([
      expect.objectContaining({ id: w.tokenId }),
    ]);
    expect(tokens.json<{ apiTokens: { revokedAt?: string }[] }>().apiTokens[0]?.revokedAt).toBeUndefined();
    const pending = await call(w.a.caller, {
      method: 'GET',
      url: `/api/matters/${w.matterId}/access-requests`,
    });
    expect(pending.json<{ requests: { id: string }[] }>().requests.map((r) => r.id)).toContain(
      w.accessRequestId,
    );
    // A's own receipt is A's to fetch (pending until a checkpoint): B's 404 above was not for want of an entry.
    const receipt = await call(w.a.caller, { method: 'GET', url: `/api/ledger/receipts/${w.ledgerEntryId}` });
    expect([200, 202]).toContain(receipt.statusCode);
    const sshKeys = await call(w.a.caller, { method: 'GET', url: '/api/ssh-keys' });
    expect(sshKeys.body).toContain(w.sshKeyId);
    const passkeys = await call(w.a.caller, { method: 'GET', url: '/api/mfa/passkeys' });
    expect(passkeys.body).toContain(names.passkey);
    const invitations = await call(w.admin.caller, { method: 'GET', url: '/api/admin/invitations' });
    expect(invitations.json<{ invitations: { id: string; status: string }[] }>().invitations).toContainEqual(
      expect.objectContaining({ id: w.invitationId, status: 'open' }),
    );
    const groups = await call(w.admin.caller, { method: 'GET', url: '/api/admin/groups' });
    expect(groups.json<{ groups: unknown[] }>().groups).toEqual([
      expect.objectContaining({
        id: w.groupId,
        name: 'A team',
        members: [expect.objectContaining({ userId: w.a.userId })],
      }),
    ]);
  });
});
