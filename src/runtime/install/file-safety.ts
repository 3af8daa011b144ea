import { statSync } from 'node:fs';

export type FileSafetyProblem = { path: string; problem: string; fix: string };

function octal(mode: number): string {
  return (mode & 0o777).toString(8).padStart(3, '0');
}

/** A secret file must be a regular file that only its owner, the user running Writ, can read. */
export function checkSecretFile(path: string): FileSafetyProblem | undefined {
  const stats = statSync(path);
  if (!stats.isFile()) return { path, problem: 'is not a regular file', fix: `point the setting at a file` };
  if ((stats.mode & 0o077) !== 0) {
    return {
      path,
      problem: `is readable or writable by other users (mode ${octal(stats.mode)})`,
      fix: `chmod 600 ${path}`,
    };
  }
  const uid = process.getuid?.();
  if (uid !== undefined && stats.uid !== uid) {
    return {
      path,
      problem: `belongs to user id ${stats.uid}, not to the user running Writ (${uid})`,
      fix: `chown ${uid} ${path}`,
    };
  }
  return undefined;
}

/** The data directory must belong to the user running Writ, and no other user or group may enter it. */
export function checkDataDir(path: string): FileSafetyProblem | undefined {
  const stats = statSync(path);
  if (!stats.isDirectory())
    return { path, problem: 'is not a directory', fix: 'choose another WRIT_DATA_DIR' };
  const uid = process.getuid?.();
  if (uid !== undefined && stats.uid !== uid) {
    return {
      path,
      problem: `belongs to user id ${stats.uid}, not to the user running Writ (${uid})`,
      fix: `run Writ as the directory's owner, or chown -R ${uid} ${path}`,
    };
  }
  if ((stats.mode & 0o077) !== 0) {
    return {
      path,
      problem: `is accessible to other users (mode ${octal(stats.mode)})`,
      fix: `chmod 700 ${path}`,
    };
  }
  return undefined;
}

export function describeProblem({ path, problem, fix }: FileSafetyProblem): string {
  return `${path} ${problem}. Fix: ${fix}`;
}
