import type { Command } from 'commander';
import { createSystemClock } from '../../shared/clock/clock.js';
import { createLogger } from '../../shared/logger/logger.js';
import { type RunningWrit, startWrit } from '../server.js';
import { publicUrlWarning } from '../config/config.js';
import { type CliIo, loadConfig, type ServerFlags } from './cli-io.js';

function formatBanner(running: RunningWrit, dataDir: string): string {
  const lines = [
    `Writ ${running.version} is running.`,
    `  Web:       ${running.url}`,
    `  Data:      ${dataDir}`,
    `  Database:  ${running.databaseDescription}`,
    `  SFTP:      port ${running.sftp.port}, host key ${running.sftp.hostKeyFingerprint} (ED25519)`,
  ];
  if (running.certificate === undefined) {
    lines.push('  TLS:       terminated by the reverse proxy (WRIT_BEHIND_TLS_PROXY)');
  } else {
    lines.push(
      `  TLS:       ${running.certificate.isSelfSigned ? 'self-signed certificate' : 'certificate'} valid until ${running.certificate.validTo.toISOString()}`,
      `             SHA-256 ${running.certificate.fingerprint256}`,
    );
    if (running.certificate.isSelfSigned) {
      lines.push(
        '             Browsers warn about a self-signed certificate: compare this fingerprint, or configure',
      );
      lines.push(
        '             WRIT_TLS_CERT_FILE and WRIT_TLS_KEY_FILE with a certificate your users trust.',
      );
    }
  }
  if (running.setupLink === undefined) {
    lines.push('', `Sign in at ${running.url}/`);
  } else {
    lines.push(
      '',
      'No administrator exists yet. Open this one-time link to create the first one',
      `(single use, valid until ${running.setupLink.expiresAt.toISOString()}; restarting Writ prints a new one):`,
      '',
      `  ${running.setupLink.url}`,
    );
  }
  lines.push('', 'Press Ctrl+C to stop.');
  return `${lines.join('\n')}\n`;
}

export function registerServeCommand(program: Command, io: CliIo): void {
  program
    .command('serve')
    .description('start the Writ server (HTTPS; creates the data directory on first start)')
    .option('--data-dir <dir>', 'data directory (WRIT_DATA_DIR)')
    .option('--host <host>', 'listen address (WRIT_HOST)')
    .option('--port <port>', 'HTTPS port (WRIT_PORT)')
    .option('--sftp-port <port>', 'SFTP port (WRIT_SFTP_PORT)')
    .action(async (flags: ServerFlags) => {
      const { config } = loadConfig(io, flags);
      const logger = createLogger({ level: config.logLevel });
      const running = await startWrit({ config, logger, clock: createSystemClock() });
      // @NOTE Listen for SIGTERM before the banner says Writ runs: a supervisor may stop it at once.
      const stopSignal = io.waitForStopSignal();
      io.stdout(formatBanner(running, config.dataDir));
      const warning = publicUrlWarning(config);
      if (warning !== undefined) io.stderr(`writ: warning: ${warning}\n`);
      // SIGHUP (systemctl reload, a certificate renewal hook) loads a renewed certificate without a restart.
      const stopReloading = io.onReloadSignal(() => {
        if (running.reloadTls === undefined) {
          logger.info('reload requested: TLS is terminated by the proxy, nothing to reload');
          return;
        }
        try {
          const loaded = running.reloadTls();
          logger.info(
            { fingerprint256: loaded.fingerprint256, validTo: loaded.validTo.toISOString() },
            'TLS certificate reloaded',
          );
        } catch (error) {
          logger.error(
            { error: error instanceof Error ? error.message : String(error) },
            'TLS certificate reload failed; still serving the previous certificate',
          );
        }
      });
      const signal = await stopSignal;
      stopReloading();
      logger.info({ signal }, 'stopping: finishing requests in flight');
      await running.stop();
      logger.info('stopped');
      logger.flush();
    });
}
