import { existsSync } from 'node:fs';
import { type Config, envToConfig, readEnv, type RawConfig } from '../config/config.js';
import type { ConfigKey } from '../config/config.schema.js';
import { createDataDirMissingError } from '../install/install.errors.js';

/** What a command may touch of the process; `main.ts` passes the real ones, tests pass their own. */
export type CliIo = {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  setExitCode: (code: number) => void;
  /** Resolves when the process is asked to stop (SIGINT, SIGTERM). */
  waitForStopSignal: () => Promise<string>;
  /** Calls `handler` on each request to reload (SIGHUP); returns what stops listening. */
  onReloadSignal: (handler: () => void) => () => void;
  /**
   * Standard input read to its end, at most `maxBytes` (more is refused); undefined when it is a terminal,
   * so that a secret is never typed where it would echo.
   */
  readStdin: (options: { maxBytes: number }) => Promise<string | undefined>;
};

export type ServerFlags = { dataDir?: string; host?: string; port?: string; sftpPort?: string };

export function loadConfig(io: CliIo, flags: ServerFlags): { config: Config; raw: RawConfig } {
  const flagValues: Partial<Record<ConfigKey, string | undefined>> = {
    dataDir: flags.dataDir,
    host: flags.host,
    port: flags.port,
    sftpPort: flags.sftpPort,
  };
  const raw = readEnv({ env: io.env, flags: flagValues });
  return { config: envToConfig(raw, { cwd: io.cwd }), raw };
}

/**
 * The configuration of an existing installation, for commands that act on one. On SQLite, a data directory
 * that does not exist is far more often a mistyped or relative path than a new installation: creating it would act on
 * an empty installation that no server uses (a setup link for nobody, a status of nothing).
 */
export function loadInstalledConfig(io: CliIo, flags: ServerFlags): { config: Config; raw: RawConfig } {
  const loaded = loadConfig(io, flags);
  // On PostgreSQL the installation is the database: such a command may run from any directory.
  if (loaded.config.databaseUrl.startsWith('sqlite:') && !existsSync(loaded.config.dataDir)) {
    throw createDataDirMissingError({
      message: `There is no data directory at ${loaded.config.dataDir}. writ serve creates it on first start; check --data-dir or WRIT_DATA_DIR (a relative path is taken from the current directory, ${io.cwd}).`,
    });
  }
  return loaded;
}
