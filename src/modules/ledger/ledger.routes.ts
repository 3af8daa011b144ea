import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { type Clock, createSystemClock } from '../../shared/clock/clock.js';
import type { WritDatabase } from '../database.js';
import type { CosignerVerifier } from './ledger.cosignatures.js';
import { addCosignatures, readLatestCosignedCheckpoint } from './ledger.cosignatures.usecases.js';
import { createCheckpointNotFoundError, createProofRequestInvalidError } from './ledger.errors.js';
import {
  binaryResponse,
  consistencyProofQuery,
  cosignatureResponse,
  consistencyProofResponse,
  inclusionProofQuery,
  inclusionProofResponse,
  noteResponse,
  tileParams,
} from './ledger.schemas.js';
import { parseTilePath, readTile } from './ledger.tiles.js';
import { readConsistencyProof, readInclusionProof, readTreeSize } from './ledger.tree-store.js';

/**
 * The public face of the ledger: anyone holding the log's verifier key checks what these serve, so they
 * need no authentication. Entries hold ids and commitments only (DESIGN.md).
 */
const ledgerRateLimit = { max: 600, timeWindow: '1 minute' };
const immutable = 'public, max-age=31536000, immutable';

export type LedgerRoutesDependencies = {
  db: Kysely<WritDatabase>;
  clock?: Clock;
  /** Witnesses whose cosignatures `POST /ledger/cosignature` accepts (WRIT_LEDGER_WITNESSES). */
  witnesses?: readonly CosignerVerifier[];
};

export function registerLedgerRoutes(
  app: FastifyInstance,
  { db, clock = createSystemClock(), witnesses = [] }: LedgerRoutesDependencies,
): void {
  registerCheckpointRoute(app, { db });
  registerTileRoute(app, { db });
  registerInclusionProofRoute(app, { db });
  registerConsistencyProofRoute(app, { db });
  void app.register((scope, _options, done) => {
    registerCosignatureRoute(scope, { db, clock, witnesses });
    done();
  });
}

function registerCheckpointRoute(app: FastifyInstance, { db }: { db: Kysely<WritDatabase> }): void {
  app.route({
    method: 'GET',
    url: '/ledger/checkpoint',
    schema: {
      tags: ['ledger'],
      summary:
        'The latest signed checkpoint (c2sp.org/tlog-checkpoint), with the witness cosignatures accepted so far',
      response: { 200: noteResponse },
    },
    config: { rateLimit: ledgerRateLimit },
    handler: async (_request, reply) => {
      const latest = await readLatestCosignedCheckpoint({ db });
      if (latest === undefined) throw createCheckpointNotFoundError();
      return reply
        .header('content-type', 'text/plain; charset=utf-8')
        .header('cache-control', 'public, max-age=5')
        .send(latest.note);
    },
  });
}

function registerTileRoute(app: FastifyInstance, { db }: { db: Kysely<WritDatabase> }): void {
  app.route({
    method: 'GET',
    url: '/ledger/tile/*',
    schema: {
      tags: ['ledger'],
      summary: 'A hash tile or entry bundle (c2sp.org/tlog-tiles)',
      params: tileParams,
      response: { 200: binaryResponse },
    },
    config: { rateLimit: ledgerRateLimit },
    handler: async (request, reply) => {
      const tile = parseTilePath((request.params as { '*': string })['*']);
      const bytes = await readTile({ db, tile, treeSize: await readTreeSize({ db }) });
      return reply
        .header('content-type', 'application/octet-stream')
        .header('cache-control', tile.isPartial ? 'public, max-age=60' : immutable)
        .send(bytes);
    },
  });
}

const maxCosignedNoteBytes = 64 * 1024;

/**
 * Witnesses hand back their cosignatures here: the body is the checkpoint followed by their signature
 * lines (text/plain). Unauthenticated like the rest of the ledger: only a signature from a configured
 * witness key over a checkpoint this log issued is stored.
 * @NOTE text/plain is accepted on this route alone: it needs no cookie, so a cross-site form gains nothing.
 */
function registerCosignatureRoute(
  app: FastifyInstance,
  {
    db,
    clock,
    witnesses,
  }: { db: Kysely<WritDatabase>; clock: Clock; witnesses: readonly CosignerVerifier[] },
): void {
  app.addContentTypeParser(
    ['text/plain', 'text/x.tlog.cosignature'],
    { parseAs: 'string', bodyLimit: maxCosignedNoteBytes },
    (_request, body, done) => {
      done(null, body);
    },
  );
  app.route({
    method: 'POST',
    url: '/ledger/cosignature',
    schema: {
      tags: ['ledger'],
      summary: 'Add witness cosignatures (c2sp.org/tlog-cosignature) to one of the log checkpoints',
      response: { 200: cosignatureResponse },
    },
    config: { rateLimit: ledgerRateLimit },
    handler: async (request) => {
      const { checkpointSize, accepted } = await addCosignatures({
        db,
        clock,
        witnesses,
        note: typeof request.body === 'string' ? request.body : '',
      });
      return { checkpointSize, accepted: accepted.map((cosignature) => cosignature.name) };
    },
  });
}

const decimal = /^(?:0|[1-9][0-9]*)$/;

/** A whole number ≥ 0 written plainly; anything else (sign, fraction, exponent, huge) is a bad request. */
function parseCount(text: string): number {
  const value = decimal.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value)) throw createProofRequestInvalidError();
  return value;
}

function toBase64(hashes: readonly Buffer[]): string[] {
  return hashes.map((hash) => hash.toString('base64'));
}

function registerInclusionProofRoute(app: FastifyInstance, { db }: { db: Kysely<WritDatabase> }): void {
  app.route({
    method: 'GET',
    url: '/api/ledger/proofs/inclusion',
    schema: {
      tags: ['ledger'],
      summary: 'Inclusion proof of the entry at `index` in the tree of `size` entries',
      querystring: inclusionProofQuery,
      response: { 200: inclusionProofResponse },
    },
    config: { rateLimit: ledgerRateLimit },
    handler: async (request, reply) => {
      const query = request.query as { index: string; size: string };
      const index = parseCount(query.index);
      const size = parseCount(query.size);
      if (index >= size || size > (await readTreeSize({ db }))) throw createProofRequestInvalidError();
      const proof = await readInclusionProof({ db, leafIndex: index, treeSize: size });
      return reply.header('cache-control', immutable).send({ index, size, proof: toBase64(proof) });
    },
  });
}

function registerConsistencyProofRoute(app: FastifyInstance, { db }: { db: Kysely<WritDatabase> }): void {
  app.route({
    method: 'GET',
    url: '/api/ledger/proofs/consistency',
    schema: {
      tags: ['ledger'],
      summary: 'Consistency proof from the tree of `from` entries to the tree of `to` entries',
      querystring: consistencyProofQuery,
      response: { 200: consistencyProofResponse },
    },
    config: { rateLimit: ledgerRateLimit },
    handler: async (request, reply) => {
      const query = request.query as { from: string; to: string };
      const from = parseCount(query.from);
      const to = parseCount(query.to);
      if (from > to || to > (await readTreeSize({ db }))) throw createProofRequestInvalidError();
      const proof = await readConsistencyProof({ db, oldSize: from, newSize: to });
      return reply.header('cache-control', immutable).send({ from, to, proof: toBase64(proof) });
    },
  });
}
