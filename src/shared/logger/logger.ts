import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * Paths whose values never reach a log line. Errors and requests go through serializers that keep only what
 * an operator needs; this list catches secrets that slip into other objects.
 */
export const redactedPaths = [
  'password',
  '*.password',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'rootKey',
  '*.rootKey',
  'rootKeyring',
  '*.rootKeyring',
  'authorization',
  'cookie',
  '*.authorization',
  '*.cookie',
  'headers.authorization',
  'headers.cookie',
  'headers["set-cookie"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
];

function serializeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const { code, status } = error as { code?: unknown; status?: unknown };
  return {
    type: error.name,
    message: error.message,
    ...(code === undefined ? {} : { code }),
    ...(status === undefined ? {} : { status }),
    stack: error.stack,
    ...(error.cause === undefined ? {} : { cause: serializeError(error.cause) }),
  };
}

/** A principal is logged as its id only: never a name, an address or a credential. */
function serializePrincipal(principal: unknown): unknown {
  return typeof principal === 'object' && principal !== null && 'id' in principal
    ? { id: principal.id }
    : undefined;
}

export function createLogger({
  level,
  destination,
}: {
  level: LoggerOptions['level'];
  destination?: DestinationStream;
}): Logger {
  const options: LoggerOptions = {
    level,
    base: { service: 'writ' },
    redact: { paths: redactedPaths, censor: '[redacted]' },
    serializers: { err: serializeError, error: serializeError, principal: serializePrincipal },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}

export type Subsystem = 'writ:http' | 'writ:sftp' | 'writ:jobs' | 'writ:db' | 'writ:install';

export function subsystemLogger(logger: Logger, subsystem: Subsystem): Logger {
  return logger.child({ subsystem });
}
