import { existsSync, mkdirSync } from 'node:fs';
import { checkDataDir, describeProblem } from './file-safety.js';
import { createUnsafeInstallationError } from './install.errors.js';

/** Creates the data directory (mode 0700) on first start; refuses one another user owns or everyone can enter. */
export function ensureDataDir(path: string): { isNew: boolean } {
  const isNew = !existsSync(path);
  if (isNew) mkdirSync(path, { recursive: true, mode: 0o700 });
  const problem = checkDataDir(path);
  if (problem !== undefined) {
    throw createUnsafeInstallationError({ message: `Unsafe data directory: ${describeProblem(problem)}` });
  }
  return { isNew };
}

export function ensurePrivateDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
}
