import { createErrorFactory } from '../../shared/errors/errors.js';

/** The data directory, a key file or a setting would expose documents; the message says how to fix it. */
export const createUnsafeInstallationError = createErrorFactory({
  code: 'install.unsafe',
  status: 500,
  message: 'Writ refuses to start on an unsafe installation.',
});

/** Another Writ process holds the data directory. */
export const createDataDirLockedError = createErrorFactory({
  code: 'install.data_dir_locked',
  status: 500,
  message: 'Another Writ server is already using this data directory.',
});

/** A command that works on an installation was pointed at a data directory that does not exist. */
export const createDataDirMissingError = createErrorFactory({
  code: 'install.data_dir_missing',
  status: 500,
  message: 'There is no data directory here.',
});
