/**
 * What an operator can do about the failures a start commonly meets (a busy port, a privileged port, a
 * certificate that does not match its key…): one line with the cause and the fix, instead of a stack trace.
 * Anything else stays an unexpected failure, reported in full.
 */
export function describeKnownFailure(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, syscall, address, port, path } = error as NodeJS.ErrnoException & {
    address?: string;
    port?: number;
  };
  const where = address === undefined ? '' : `${address}${port === undefined ? '' : `:${port}`}`;
  if (syscall === 'listen' || syscall === 'bind') {
    if (code === 'EADDRINUSE') {
      return `${where} is already in use by another program. Stop it, or choose another port (--port / WRIT_PORT for HTTPS, --sftp-port / WRIT_SFTP_PORT for SFTP).`;
    }
    if (code === 'EACCES') {
      return `This user may not listen on ${where}: ports below 1024 need privileges. Use a port from 1024 up (8443 and 2222 by default) behind a proxy, or grant CAP_NET_BIND_SERVICE (docs/operations.md).`;
    }
    if (code === 'EADDRNOTAVAIL') {
      return `${address ?? 'This address'} is not an address of this machine. Use one of its addresses, 127.0.0.1, or 0.0.0.0 for all of them (--host / WRIT_HOST).`;
    }
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return `Permission denied${path === undefined ? '' : ` on ${path}`}. Run Writ as a user who may write there, or choose another data directory (--data-dir / WRIT_DATA_DIR).`;
  }
  if (/key values mismatch/i.test(error.message)) {
    return 'The TLS certificate and key do not match: WRIT_TLS_CERT_FILE and WRIT_TLS_KEY_FILE must be a pair.';
  }
  if (/PEM routines|no start line|bad base64 decode|DECODER routines::unsupported/i.test(error.message)) {
    return 'The TLS certificate or key is not a PEM file: WRIT_TLS_CERT_FILE and WRIT_TLS_KEY_FILE need the PEM text (-----BEGIN …).';
  }
  return undefined;
}
