import { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { ensureRootKeyFile } from '../modules/vault/vault.root-key.js';
import { loadOrCreateSigningKey } from '../modules/vault/vault.signing-keys.js';
import { ledgerOriginOf } from './ledger-origin.js';
import { loadOrCreateSshHostKey } from '../modules/vault/vault.ssh-host-key.js';
import { parseCosignerKey } from '../modules/ledger/ledger.cosignatures.js';
import { createNoteVerifier } from '../modules/ledger/ledger.note-keys.js';
import { issueSetupToken } from '../modules/identity/identity.usecases.js';
import type { Clock } from '../shared/clock/clock.js';
import { type Logger, subsystemLogger } from '../shared/logger/logger.js';
import { isSchemaCurrent, migrateToLatest } from '../migrations/migrations.js';
import { type Config, findUnsafeSettings } from './config/config.js';
import { envToSecrets, readTlsPair } from './config/secrets.js';
import { createDependencies, type Dependencies, openConfiguredDatabase } from './dependencies.js';
import { buildHttpApp, httpsContextOptions } from './http/http-app.js';
import { createHttpMetrics } from './http/metrics.js';
import { createOperationsMetrics } from './jobs/operations.metrics.js';
import { type RunningLedgerSequencer, startLedgerSequencer } from './jobs/ledger-sequencer.js';
import { type RunningLedgerVerifyJob, startLedgerVerifyJob } from './jobs/ledger-verify.job.js';
import { type RunningJob, startConfiguredMailOutbox } from './jobs/mail-outbox.job.js';
import { startUploadSweepJob } from './jobs/upload-sweep.job.js';
import { acquireDataDirLock, type DataDirLock } from './install/data-dir-lock.js';
import { ensureDataDir, ensurePrivateDir } from './install/data-dir.js';
import { createUnsafeInstallationError } from './install/install.errors.js';
import {
  certificateHostNames,
  ensureSelfSignedCertificate,
  summarizeCertificate,
} from './install/tls-certificate.js';
import { type RunningSftpServer, startSftpServer } from './sftp/sftp.server.js';
import { readWritVersion } from './version.js';

export type RunningWrit = {
  url: string;
  port: number;
  version: string;
  databaseDescription: string;
  certificate: { fingerprint256: string; isSelfSigned: boolean; validTo: Date } | undefined;
  setupLink: { url: string; expiresAt: Date } | undefined;
  /** The SFTP front door: its port and the SHA-256 fingerprint of its host key. */
  sftp: { port: number; hostKeyFingerprint: string };
  /**
   * Reads the TLS certificate and key files again and serves new connections with them (a renewed
   * certificate); open connections keep theirs. Throws, keeping the current pair, when the files are unsafe
   * or not a matching pair. Undefined behind a TLS-terminating proxy.
   */
  reloadTls: (() => { fingerprint256: string; validTo: Date }) | undefined;
  stop(): Promise<void>;
};

/** Prepares the installation on first start: directories, root key, self-signed certificate. */
async function prepareInstallation({ config, clock }: { config: Config; clock: Clock }): Promise<void> {
  ensurePrivateDir(config.blobDir);
  ensureRootKeyFile(config.rootKeyFile);
  if (!config.behindTlsProxy && config.tls.isManaged) {
    await ensureSelfSignedCertificate({
      certFile: config.tls.certFile,
      keyFile: config.tls.keyFile,
      hostNames: certificateHostNames(config),
      now: clock.now(),
    });
  }
}

function publicUrlFor(config: Config, port: number): string {
  if (config.port !== 0) return config.publicUrl;
  const url = new URL(config.publicUrl);
  url.port = String(port);
  return url.origin;
}

export async function startWrit({
  config,
  logger,
  clock,
}: {
  config: Config;
  logger: Logger;
  clock: Clock;
}): Promise<RunningWrit> {
  const unsafe = findUnsafeSettings(config);
  if (unsafe.length > 0) throw createUnsafeInstallationError({ message: unsafe.join('\n') });
  ensureDataDir(config.dataDir);
  const lock = acquireDataDirLock({ dataDir: config.dataDir, purpose: 'writ serve' });
  let database: Dependencies['database'] | undefined;
  try {
    await prepareInstallation({ config, clock });
    const secrets = envToSecrets(config);
    if (secrets.isRootKeyRotationPending) {
      subsystemLogger(logger, 'writ:install').warn(
        { rootKeyFile: config.rootKeyFile },
        'a root key rotation was started and not finished (root.key.next exists): stop Writ and run `writ keys rotate-root` to finish it',
      );
    }
    database = await openConfiguredDatabase({ config, databasePassword: secrets.databasePassword });
    const { applied } = await migrateToLatest(database.db);
    if (applied.length > 0) subsystemLogger(logger, 'writ:db').info({ applied }, 'database migrated');
    const deps = await createDependencies({ config, secrets, database, logger, clock });
    return await listen({ deps, secrets, lock });
  } catch (error) {
    await database?.close().catch(() => undefined);
    lock.release();
    throw error;
  }
}

async function listen({
  deps,
  secrets,
  lock,
}: {
  deps: Dependencies;
  secrets: ReturnType<typeof envToSecrets>;
  lock: DataDirLock;
}): Promise<RunningWrit> {
  const { config, logger, clock, db } = deps;
  const version = readWritVersion();
  let isStopping = false;
  // With port 0 the public address is known only once listening; identity reads it through this getter.
  let url = config.publicUrl;
  const ledgerOrigin = await ledgerOriginOf({ db, config });
  // Loaded before the routes: receipts are signed with it. Generated on first start, kept by the vault.
  const ledgerKey = await loadOrCreateSigningKey({
    db,
    secretBox: deps.secretBox,
    clock,
    name: ledgerOrigin,
  });
  const identityDeps = {
    db,
    clock,
    passwordHasher: deps.passwordHasher,
    ledger: deps.ledger,
    secretBox: deps.secretBox,
    keyedHasher: deps.keyedHasher,
    settings: config.identity,
    policy: deps.policy,
    get publicUrl() {
      return url;
    },
  };
  const documentsDeps = {
    db,
    clock,
    keyring: deps.keyring,
    ledger: deps.ledger,
    blobStore: deps.blobStore,
    access: { policy: deps.policy, stepUpMinutes: config.identity.stepUpMinutes },
    secretBox: deps.secretBox,
    settings: {
      maxUploadBytes: config.documents.maxUploadBytes,
      defaultMatterQuotaBytes: config.documents.matterQuotaBytes,
      abandonedUploadMinutes: config.documents.abandonedUploadMinutes,
    },
  };
  let sftp: RunningSftpServer | undefined;
  const httpMetrics = createHttpMetrics();
  const operationsMetrics = createOperationsMetrics({ registry: httpMetrics.registry, db });
  const app = await buildHttpApp({
    config,
    logger: subsystemLogger(logger, 'writ:http'),
    tls: secrets.tls,
    db,
    clock,
    identity: identityDeps,
    documents: documentsDeps,
    metrics: httpMetrics,
    metricsToken: secrets.metricsToken,
    version,
    getSftpInfo: () =>
      sftp === undefined ? undefined : { port: sftp.port, hostKeyFingerprint: sftp.hostKeyFingerprint },
    ledger: {
      signer: ledgerKey,
      verifierKey: ledgerKey.verifierKey,
      witnesses: config.ledger.witnesses.map(parseCosignerKey),
      checkpointSeconds: config.ledger.checkpointSeconds,
    },
    checkReadiness: async () => {
      if (isStopping) return false;
      try {
        await sql`select 1`.execute(db);
        // A database that answers with its schema reverted (or not yet migrated) cannot serve a request.
        return await isSchemaCurrent(db);
      } catch {
        return false;
      }
    },
  });
  await app.listen({
    host: config.host,
    port: config.port,
    listenTextResolver: (address) =>
      `listening on ${address.replace(/^http:/, secrets.tls === undefined ? 'http:' : 'https:')}`,
  });
  const port = (app.server.address() as AddressInfo).port;
  url = publicUrlFor(config, port);

  let setupToken;
  try {
    ({ setupToken } = await issueSetupToken({ db, clock, ttlMinutes: config.setupLinkTtlMinutes }));
  } catch (error) {
    await app.close();
    throw error;
  }
  const certificate = secrets.tls === undefined ? undefined : summarizeCertificate(secrets.tls.cert);
  operationsMetrics.setCertificateExpiry(certificate?.validTo);
  let ledgerSequencer: RunningLedgerSequencer;
  let ledgerVerify: RunningLedgerVerifyJob;
  let uploadSweep: RunningJob;
  // On SQLite verification reads through its own connection, so its snapshot never holds up the server's.
  let verifyConnection: Awaited<ReturnType<typeof openConfiguredDatabase>> | undefined;
  try {
    uploadSweep = await startUploadSweepJob({
      db,
      clock,
      blobStore: deps.blobStore,
      logger: subsystemLogger(logger, 'writ:jobs'),
      abandonedAfterMinutes: config.documents.abandonedUploadMinutes,
      isSingleServer: deps.database.dialect === 'sqlite',
    });
    verifyConnection =
      deps.database.dialect === 'sqlite'
        ? await openConfiguredDatabase({ config, databasePassword: secrets.databasePassword })
        : undefined;
    const verifier = createNoteVerifier({ name: ledgerOrigin, publicKey: ledgerKey.publicKey });
    ledgerSequencer = startLedgerSequencer({
      db,
      clock,
      signer: ledgerKey,
      origin: ledgerOrigin,
      checkpointSeconds: config.ledger.checkpointSeconds,
      logger: subsystemLogger(logger, 'writ:jobs'),
      onFailure: () => {
        operationsMetrics.recordSequencingFailure();
      },
    });
    ledgerVerify = startLedgerVerifyJob({
      db: verifyConnection?.db ?? db,
      origin: ledgerOrigin,
      verifier,
      intervalMinutes: config.ledger.verifyMinutes,
      logger: subsystemLogger(logger, 'writ:jobs'),
      onOutcome: (outcome) => {
        operationsMetrics.recordLedgerVerification(outcome, clock.now());
      },
    });
  } catch (error) {
    await verifyConnection?.close().catch(() => undefined);
    await app.close();
    throw error;
  }
  // Mails notifications after their transactions commit; only when an SMTP relay is configured.
  const mailOutbox = startConfiguredMailOutbox({
    mail: config.mail,
    smtpPassword: secrets.smtpPassword,
    db,
    clock,
    secretBox: deps.secretBox,
    getPublicUrl: () => url,
    logger: subsystemLogger(logger, 'writ:jobs'),
  });

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      isStopping = true;
      const forceClose = setTimeout(() => {
        app.server.closeAllConnections();
      }, config.shutdownTimeoutSeconds * 1000);
      try {
        await app.close();
        await sftp?.stop();
      } finally {
        clearTimeout(forceClose);
        await mailOutbox?.stop();
        await uploadSweep.stop();
        await ledgerVerify.stop();
        await verifyConnection?.close();
        await ledgerSequencer.stop();
        await deps.blobStore.close();
        await deps.database.close();
        lock.release();
      }
    })();
    return stopping;
  };

  try {
    // After HTTPS: same use-cases, a second front door. The host key is generated once and kept by the vault.
    const hostKey = await loadOrCreateSshHostKey({ db, secretBox: deps.secretBox, clock });
    sftp = await startSftpServer({
      host: config.host,
      port: config.sftpPort,
      hostKey,
      identity: identityDeps,
      documents: documentsDeps,
      logger: subsystemLogger(logger, 'writ:sftp'),
      shutdownTimeoutMs: config.shutdownTimeoutSeconds * 1000,
    });
  } catch (error) {
    await stop();
    throw error;
  }

  const reloadTls =
    secrets.tls === undefined
      ? undefined
      : () => {
          const pair = readTlsPair(config);
          // Builds the new context first: a key that does not match throws here and the old pair stays.
          const server: unknown = app.server;
          if (!(server instanceof HttpsServer)) throw new Error('The listener does not serve HTTPS.');
          server.setSecureContext(httpsContextOptions(pair));
          const { fingerprint256, validTo } = summarizeCertificate(pair.cert);
          operationsMetrics.setCertificateExpiry(validTo);
          return { fingerprint256, validTo };
        };

  return {
    url,
    port,
    version,
    reloadTls,
    databaseDescription: deps.database.description,
    certificate,
    sftp: { port: sftp.port, hostKeyFingerprint: sftp.hostKeyFingerprint },
    setupLink:
      setupToken === undefined
        ? undefined
        : { url: `${url}/setup#token=${setupToken.token}`, expiresAt: setupToken.expiresAt },
    stop,
  };
}
