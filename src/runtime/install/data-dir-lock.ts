import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { createDataDirLockedError } from './install.errors.js';

export type DataDirLock = { release(): void };

/** Who holds the data directory: `pid …, <command>, since <time>`, for the refusal a second process gets. */
const holderFileName = 'writ.holder';

/**
 * Takes the data directory for this process with an exclusive SQLite lock on `writ.lock`: an OS file lock
 * that the kernel drops when the process dies, so a crash never leaves a stale lock behind, and that a
 * second server, in another process or this one, cannot take. `writ.pid` and `writ.holder` only say who holds it.
 */
export function acquireDataDirLock({ dataDir, purpose }: { dataDir: string; purpose: string }): DataDirLock {
  const lockDatabase = new SqliteDatabase(join(dataDir, 'writ.lock'), { timeout: 0 });
  try {
    lockDatabase.pragma('locking_mode = EXCLUSIVE');
    lockDatabase.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    lockDatabase.close();
    if ((error as { code?: unknown }).code !== 'SQLITE_BUSY') throw error;
    const holder = readHolder(dataDir);
    throw createDataDirLockedError({
      message: `Another Writ process${holder === undefined ? '' : ` (${holder})`} is using the data directory ${dataDir}. ${
        // A second server may want a directory of its own; a maintenance command must wait for the server
        // to stop, since on a shared database another directory would not keep it away from that server.
        purpose === 'writ serve'
          ? 'Stop it first, or give this one its own WRIT_DATA_DIR.'
          : `Stop it first: ${purpose} must not run while a server uses this installation (on PostgreSQL, stop every server that uses the database).`
      }`,
    });
  }
  // The bare pid, as service managers (`PIDFile=`) and `kill $(cat …)` expect; who and since when, apart.
  const pidFile = join(dataDir, 'writ.pid');
  const holderFile = join(dataDir, holderFileName);
  writeFileSync(pidFile, `${process.pid}\n`, { mode: 0o600 });
  writeFileSync(holderFile, `pid ${process.pid}, ${purpose}, since ${new Date().toISOString()}\n`, {
    mode: 0o600,
  });
  let isHeld = true;
  return {
    release: () => {
      if (!isHeld) return;
      isHeld = false;
      rmSync(pidFile, { force: true });
      rmSync(holderFile, { force: true });
      lockDatabase.exec('ROLLBACK');
      lockDatabase.close();
    },
  };
}

function readHolder(dataDir: string): string | undefined {
  try {
    return readFileSync(join(dataDir, holderFileName), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Whether a server holds the data directory right now, for `writ doctor`. */
export function isDataDirLocked(dataDir: string): { isLocked: boolean; holder?: string } {
  try {
    const lock = acquireDataDirLock({ dataDir, purpose: 'probe' });
    lock.release();
    return { isLocked: false };
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'install.data_dir_locked') throw error;
    const holder = readHolder(dataDir);
    return holder === undefined ? { isLocked: true } : { isLocked: true, holder };
  }
}
