import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import { getMigrationStatus } from '../../migrations/migrations.js';
import { relyingPartyFor } from '../../modules/identity/identity.passkeys.models.js';
import type { WritDatabase } from '../../modules/database.js';
import { countKeysByRootKey } from '../../modules/vault/vault.keys.usecases.js';
import { parseRootKey } from '../../modules/vault/vault.root-key.js';
import { nextRootKeyFileFor } from '../../modules/vault/vault.root-keyring.js';
import type { Clock } from '../../shared/clock/clock.js';
import { type Config, publicUrlWarning } from '../config/config.js';
import { readDatabasePassword, readRootKeyring } from '../config/secrets.js';
import { openConfiguredDatabase } from '../dependencies.js';
import { checkDataDir, checkSecretFile, describeProblem } from '../install/file-safety.js';
import { isDataDirLocked } from '../install/data-dir-lock.js';
import { hasNativeSshCiphers, missingNativeSshCiphersAdvice } from '../sftp/sftp.native-ciphers.js';
import { certificateHostNames, normalizeHostName, summarizeCertificate } from '../install/tls-certificate.js';

export type Severity = 'ok' | 'info' | 'warning' | 'error';
export type Finding = { check: string; severity: Severity; message: string };

const dayMs = 24 * 60 * 60 * 1000;
/** No clock showing an earlier time can be right: this release did not exist yet. */
export const earliestPlausibleTime = new Date('2026-11-01T00:00:00Z');
const maxClockSkewMs = 5_000;

type Check = (context: { config: Config; clock: Clock }) => Promise<Finding[]> | Finding[];

const checkDataDirectory: Check = ({ config }) => {
  if (!existsSync(config.dataDir)) {
    return [
      {
        check: 'data directory',
        severity: 'error',
        message: `${config.dataDir} does not exist; run writ serve once to create it.`,
      },
    ];
  }
  const problem = checkDataDir(config.dataDir);
  const findings: Finding[] = [
    problem === undefined
      ? { check: 'data directory', severity: 'ok', message: `${config.dataDir} is private to its owner.` }
      : { check: 'data directory', severity: 'error', message: describeProblem(problem) },
  ];
  const lock = isDataDirLocked(config.dataDir);
  findings.push({
    check: 'server',
    severity: 'info',
    message: lock.isLocked
      ? `A server holds the data directory (${lock.holder ?? 'unknown process'}).`
      : 'No server is running on this data directory.',
  });
  return findings;
};

function checkSecret(path: string, setting: string, validate?: (content: string) => void): Finding {
  if (!existsSync(path)) return { check: setting, severity: 'error', message: `${path} does not exist.` };
  const problem = checkSecretFile(path);
  if (problem !== undefined) return { check: setting, severity: 'error', message: describeProblem(problem) };
  try {
    validate?.(readFileSync(path, 'utf8'));
  } catch (error) {
    return { check: setting, severity: 'error', message: (error as Error).message };
  }
  return { check: setting, severity: 'ok', message: `${path} is readable by its owner only.` };
}

const checkKeyFiles: Check = ({ config }) => {
  const findings = [
    checkSecret(config.rootKeyFile, 'root key', (content) => parseRootKey(content, config.rootKeyFile)),
  ];
  // Kept by `writ keys rotate-root` for restoring older backups: it does not belong beside the new key.
  const keysDir = dirname(config.rootKeyFile);
  const retiredPrefix = `${basename(config.rootKeyFile)}.retired-`;
  for (const name of existsSync(keysDir) ? readdirSync(keysDir) : []) {
    if (!name.startsWith(retiredPrefix)) continue;
    findings.push({
      check: 'retired root key',
      severity: 'warning',
      message: `${join(keysDir, name)} is a previous root key kept by a rotation. Move it to where you keep your backups' keys, off this machine, then delete it here.`,
    });
  }
  const nextRootKeyFile = nextRootKeyFileFor(config.rootKeyFile);
  if (existsSync(nextRootKeyFile)) {
    findings.push(
      checkSecret(nextRootKeyFile, 'next root key', (content) => parseRootKey(content, nextRootKeyFile)),
      {
        check: 'root key rotation',
        severity: 'warning',
        message: `${nextRootKeyFile} exists: a root key rotation was started and not finished. Stop Writ and run writ keys rotate-root to finish it.`,
      },
    );
  }
  if (!config.behindTlsProxy) findings.push(checkSecret(config.tls.keyFile, 'TLS private key'));
  if (config.databasePasswordFile !== undefined)
    findings.push(checkSecret(config.databasePasswordFile, 'database password'));
  if (config.metricsTokenFile !== undefined)
    findings.push(checkSecret(config.metricsTokenFile, 'metrics token'));
  return findings;
};

const checkCertificate: Check = ({ config, clock }) => {
  if (config.behindTlsProxy) {
    return [
      {
        check: 'TLS certificate',
        severity: 'info',
        message: 'TLS is terminated by the reverse proxy; check its certificate there.',
      },
    ];
  }
  let summary;
  try {
    summary = summarizeCertificate(readFileSync(config.tls.certFile, 'utf8'));
  } catch (error) {
    return [
      {
        check: 'TLS certificate',
        severity: 'error',
        message: `${config.tls.certFile} cannot be read as a PEM certificate: ${(error as Error).message}`,
      },
    ];
  }
  const now = clock.now().getTime();
  const findings: Finding[] = [];
  if (summary.validFrom.getTime() > now) {
    findings.push({
      check: 'TLS certificate',
      severity: 'error',
      message: `The certificate is not valid before ${summary.validFrom.toISOString()}.`,
    });
  } else if (summary.validTo.getTime() <= now) {
    findings.push({
      check: 'TLS certificate',
      severity: 'error',
      message: `The certificate expired on ${summary.validTo.toISOString()}.`,
    });
  } else if (summary.validTo.getTime() - now < 30 * dayMs) {
    findings.push({
      check: 'TLS certificate',
      severity: 'warning',
      message: `The certificate expires on ${summary.validTo.toISOString()}, in less than 30 days.`,
    });
  } else {
    findings.push({
      check: 'TLS certificate',
      severity: 'ok',
      message: `Valid until ${summary.validTo.toISOString()}.`,
    });
  }
  const wanted = normalizeHostName(new URL(config.publicUrl).hostname);
  if (!summary.hostNames.includes(wanted)) {
    findings.push({
      check: 'TLS certificate',
      severity: 'error',
      message: `The certificate does not name ${wanted} (it names ${summary.hostNames.join(', ')}).`,
    });
  }
  if (summary.isSelfSigned) {
    findings.push({
      check: 'TLS certificate',
      severity: 'warning',
      message: `Self-signed: browsers will warn. Users can compare the SHA-256 fingerprint ${summary.fingerprint256}, or configure a trusted certificate.`,
    });
  }
  if (
    config.tls.isManaged &&
    certificateHostNames(config).some((name) => !summary.hostNames.includes(normalizeHostName(name)))
  ) {
    findings.push({
      check: 'TLS certificate',
      severity: 'info',
      message: 'The host names changed; the next start renews the self-signed certificate.',
    });
  }
  return findings;
};

function newestModification(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(dir, entry.name)).mtimeMs);
  }
  return newest;
}

/**
 * Every installation and matter key must be wrapped by a root key this installation holds. One wrapped by
 * another is what a root key rotation run while another node kept serving leaves behind (that node wraps
 * new matters with the key it holds in memory): the documents under it cannot be opened here.
 */
async function checkKeysUnderHeldRootKeys({
  config,
  db,
}: {
  config: Config;
  db: Kysely<WritDatabase>;
}): Promise<Finding[]> {
  let held: readonly string[];
  try {
    held = readRootKeyring(config).keyring.keyIds;
  } catch {
    return []; // The root key check reports an unreadable key file.
  }
  const foreign = (await countKeysByRootKey({ db })).filter((row) => !held.includes(row.rootKeyId));
  if (foreign.length === 0) {
    return [
      { check: 'wrapped keys', severity: 'ok', message: 'Every key is wrapped by a root key held here.' },
    ];
  }
  const count = foreign.reduce((sum, row) => sum + row.count, 0);
  return [
    {
      check: 'wrapped keys',
      severity: 'error',
      message: `${count} matter or installation key(s) are wrapped by root key ${foreign.map((row) => row.rootKeyId).join(', ')}, which this installation does not hold: what they protect cannot be opened here. Another node may have kept serving with an old root key during a rotation. To re-wrap them under the current key: stop every node, move keys/root.key to keys/root.key.next, put the missing key (root.key.retired-<id>, or your copy) in its place as keys/root.key, run writ keys rotate-root on one node, then copy the resulting keys/root.key to every node.`,
    },
  ];
}

const checkDatabaseAndClock: Check = async ({ config, clock }) => {
  const findings: Finding[] = [];
  const now = clock.now();
  if (now.getTime() < earliestPlausibleTime.getTime()) {
    findings.push({
      check: 'clock',
      severity: 'error',
      message: `The system clock says ${now.toISOString()}, before this release existed. Fix the time (NTP).`,
    });
  }
  if (existsSync(config.dataDir) && newestModification(config.dataDir) - now.getTime() > 60_000) {
    findings.push({
      check: 'clock',
      severity: 'error',
      message: 'Files in the data directory were modified in the future: the clock went backwards.',
    });
  }

  // Opening SQLite would create the file, and the directory with it: a diagnosis changes nothing.
  if (!existsSync(config.dataDir) && config.databaseUrl.startsWith('sqlite:')) {
    findings.push({
      check: 'database',
      severity: 'info',
      message: 'Not checked: without a data directory there is no SQLite database.',
    });
    return findings;
  }
  let connection;
  try {
    connection = await openConfiguredDatabase({ config, databasePassword: readDatabasePassword(config) });
  } catch (error) {
    findings.push({ check: 'database', severity: 'error', message: (error as Error).message });
    return findings;
  }
  try {
    findings.push({ check: 'database', severity: 'ok', message: `${connection.description} answers.` });
    findings.push(...(await checkKeysUnderHeldRootKeys({ config, db: connection.db })));
    const status = await getMigrationStatus(connection.db);
    if (status.unknown.length > 0) {
      findings.push({
        check: 'migrations',
        severity: 'error',
        message: `The database was migrated by a newer Writ (${status.unknown.join(', ')}); upgrade this installation.`,
      });
    } else if (status.pending.length > 0) {
      findings.push({
        check: 'migrations',
        severity: 'error',
        message: `${status.pending.length} pending (${status.pending.join(', ')}); run writ migrate.`,
      });
    } else {
      findings.push({
        check: 'migrations',
        severity: 'ok',
        message: `All ${status.applied.length} applied.`,
      });
    }
    if (connection.dialect === 'postgres') {
      const { rows } = await sql<{
        now_ms: number | string;
      }>`select (extract(epoch from clock_timestamp()) * 1000)::bigint as now_ms`.execute(connection.db);
      const skew = Math.abs(Number(rows[0]?.now_ms ?? 0) - clock.now().getTime());
      findings.push(
        skew > maxClockSkewMs
          ? {
              check: 'clock',
              severity: 'error',
              message: `This machine's clock and the database server's differ by ${Math.round(skew / 1000)} s; expiry and audit times would disagree. Synchronise both with NTP.`,
            }
          : {
              check: 'clock',
              severity: 'ok',
              message: `Within ${maxClockSkewMs / 1000} s of the database server's clock.`,
            },
      );
    } else if (!findings.some((finding) => finding.check === 'clock')) {
      findings.push({ check: 'clock', severity: 'ok', message: `${now.toISOString()} is plausible.` });
    }
  } finally {
    await connection.close();
  }
  return findings;
};

const checkPublicUrl: Check = ({ config }) => {
  const relyingParty = relyingPartyFor(config.publicUrl);
  const unreachable = publicUrlWarning(config);
  if (unreachable !== undefined) return [{ check: 'public URL', severity: 'warning', message: unreachable }];
  return [
    relyingParty === undefined
      ? {
          check: 'public URL',
          severity: 'warning',
          message: `${config.publicUrl} names an IP address: passkeys need a host name. Set WRIT_PUBLIC_URL to the https:// name people use.`,
        }
      : {
          check: 'public URL',
          severity: 'ok',
          message: `Passkeys are bound to ${relyingParty.rpId}; changing the host name later strands them.`,
        },
  ];
};

const checkSftpCiphers: Check = () => [
  hasNativeSshCiphers()
    ? {
        check: 'SFTP ciphers',
        severity: 'ok',
        message: "ssh2's native AES-GCM and ChaCha20-Poly1305 are built.",
      }
    : { check: 'SFTP ciphers', severity: 'warning', message: missingNativeSshCiphersAdvice },
];

const checks: Check[] = [
  checkDataDirectory,
  checkKeyFiles,
  checkCertificate,
  checkPublicUrl,
  checkDatabaseAndClock,
  checkSftpCiphers,
];

export async function runDoctor({
  config,
  clock,
}: {
  config: Config;
  clock: Clock;
}): Promise<{ findings: Finding[]; hasErrors: boolean }> {
  const findings: Finding[] = [];
  for (const check of checks) findings.push(...(await check({ config, clock })));
  return { findings, hasErrors: findings.some((finding) => finding.severity === 'error') };
}

export function formatFindings(findings: Finding[]): string {
  const width = Math.max(...findings.map((finding) => finding.check.length));
  return findings
    .map((f) => `[${f.severity.toUpperCase().padEnd(7)}] ${f.check.padEnd(width)}  ${f.message}`)
    .join('\n');
}
