import ssh2 from 'ssh2';
import { isWritError } from '../../shared/errors/errors.js';

const { STATUS_CODE } = ssh2.utils.sftp;

export type SftpStatus = { code: number; message: string };

/** SSH_FX_PERMISSION_DENIED as a plain number, for comparisons with `SftpStatus.code`. */
export const permissionDeniedCode: number = STATUS_CODE.PERMISSION_DENIED;

/** A failure the SFTP front door decides itself (a refused path, an unsupported request). */
export class SftpRequestError extends Error {
  constructor(
    readonly code: number,
    message: string,
    /** Recorded on the ledger as a refused request. */
    readonly refusal?: string,
  ) {
    super(message);
  }
}

export const sftpError = {
  notFound: () => new SftpRequestError(STATUS_CODE.NO_SUCH_FILE, 'No such file or directory'),
  denied: (refusal?: string) =>
    new SftpRequestError(STATUS_CODE.PERMISSION_DENIED, 'Permission denied', refusal),
  unsupported: (refusal?: string) =>
    new SftpRequestError(STATUS_CODE.OP_UNSUPPORTED, 'Operation not supported', refusal),
  failure: (message: string, refusal?: string) => new SftpRequestError(STATUS_CODE.FAILURE, message, refusal),
  /** The session behind the connection was revoked or its user disabled: the connection ends with it. */
  sessionEnded: () =>
    new SftpRequestError(STATUS_CODE.PERMISSION_DENIED, 'Your session has ended: sign in again.'),
};

/**
 * Maps a use-case error to an SFTP status: what is missing or hidden answers NO_SUCH_FILE (never revealing
 * what exists), what is forbidden PERMISSION_DENIED, and other refusals FAILURE with the use-case's message.
 */
export function toSftpStatus(error: unknown): SftpStatus {
  if (error instanceof SftpRequestError) return { code: error.code, message: error.message };
  if (isWritError(error) && !error.isInternal) {
    if (error.status === 404) return { code: STATUS_CODE.NO_SUCH_FILE, message: 'No such file or directory' };
    if (error.status === 401 || error.status === 403) {
      return { code: STATUS_CODE.PERMISSION_DENIED, message: 'Permission denied' };
    }
    return { code: STATUS_CODE.FAILURE, message: error.message };
  }
  return { code: STATUS_CODE.FAILURE, message: 'Internal error' };
}
