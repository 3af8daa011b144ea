import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * Parts of a property name (lower-cased, without `-` and `_`) that make its value a secret, at whatever depth
 * of a logged object it appears: `newPassword`, `csrfToken`, `x-csrf-token`, `recovery_codes`, `totpCode`…
 * Errors and principals go through serializers that keep only what an operator needs; this catches secrets
 * that slip into other objects. The plain name `code` is not one: error codes are logged under it.
 */
const secretNameParts: readonly string[] = [
  'password',
  'passphrase',
  'token',
  'secret',
  'recoverycode',
  'otpcode',
  'privatekey',
  'authorization',
  'cookie',
];

/** Whole names (normalised the same way) that are secrets although they contain none of the parts. */
const secretNames: ReadonlySet<string> = new Set(['otp', 'totp', 'rootkey', 'rootkeyring']);

export function isSecretKeyName(key: string): boolean {
  const name = key.toLowerCase().replace(/[-_]/g, '');
  return secretNames.has(name) || secretNameParts.some((part) => name.includes(part));
}

/**
 * Decisions kept up to this many names per logger: logged objects may carry names chosen outside (a
 * client's header names), which must not grow the cache without end; past it a name is decided each time.
 */
const maxCachedKeyNames = 2048;

/** `isSecretKeyName` remembered per name, so that a line costs a map lookup per property. */
function createSecretKeyCheck(): (key: string) => boolean {
  const decisions = new Map<string, boolean>();
  return (key) => {
    const known = decisions.get(key);
    if (known !== undefined) return known;
    const isSecret = isSecretKeyName(key);
    if (decisions.size < maxCachedKeyNames) decisions.set(key, isSecret);
    return isSecret;
  };
}

const censor = '[redacted]';

/** Pino prints five levels of an object (its `depthLimit`); looking a little deeper costs nothing on flat lines. */
const maxCensorDepth = 8;

/**
 * Secrets as top-level fields, which covers a child logger's bindings: pino censors these itself, by name
 * (each must satisfy `isSecretKeyName`). Everything else is censored by `censorSecrets`, because pino's
 * wildcard paths ("*.password") run a redactor on every field of every line, which cost more than the rest
 * of a request's log line.
 * @NOTE A child's bindings never pass through the `log` formatter: a binding is censored only when named here.
 */
export const topLevelSecretNames: readonly string[] = [
  'password',
  'currentPassword',
  'newPassword',
  'passphrase',
  'token',
  'csrfToken',
  'deviceToken',
  'sessionToken',
  'apiToken',
  'accessToken',
  'refreshToken',
  'secret',
  'clientSecret',
  'totpSecret',
  'recoveryCode',
  'recoveryCodes',
  'totpCode',
  'otp',
  'totp',
  'rootKey',
  'rootKeyring',
  'privateKey',
  'authorization',
  'cookie',
  'set-cookie',
  'x-csrf-token',
];

const topLevelSecretPaths = topLevelSecretNames.map((key) => (key.includes('-') ? `["${key}"]` : key));

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

/**
 * `value` with every property whose name `isSecretKey` accepts censored, copied only where something was
 * censored (the caller's object is never changed, and a line without secrets allocates nothing). Copies
 * keep their prototype and own properties, so an `Error` still reaches the error serializer as an `Error`.
 * Objects with `toJSON` (dates, buffers) are printed by it and left alone.
 */
export function censorSecrets(value: unknown, isSecretKey: (key: string) => boolean, depth = 0): unknown {
  if (!isObject(value) || depth > maxCensorDepth || 'toJSON' in value) return value;
  if (Array.isArray(value)) {
    const items: readonly unknown[] = value;
    let copy: unknown[] | undefined;
    for (let index = 0; index < items.length; index += 1) {
      const item = items[index];
      const censored = censorSecrets(item, isSecretKey, depth + 1);
      if (censored !== item) (copy ??= [...items])[index] = censored;
    }
    return copy ?? items;
  }
  let descriptors: PropertyDescriptorMap | undefined;
  for (const key of Object.keys(value)) {
    const item: unknown = (value as Record<string, unknown>)[key];
    const censored = isSecretKey(key) ? censor : censorSecrets(item, isSecretKey, depth + 1);
    if (censored === item) continue;
    descriptors ??= Object.getOwnPropertyDescriptors(value);
    descriptors[key] = { value: censored, enumerable: true, writable: true, configurable: true };
  }
  return descriptors === undefined
    ? value
    : Object.create(Object.getPrototypeOf(value) as object | null, descriptors);
}

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

/**
 * Pino's `isoTime`, formatted once per millisecond: under load many lines share one, and formatting a date
 * cost about a tenth of a request's log line.
 */
function createIsoTime(): () => string {
  let formattedAt = Number.NaN;
  let formatted = '';
  return () => {
    const now = Date.now();
    if (now !== formattedAt) {
      formattedAt = now;
      formatted = `,"time":"${new Date(now).toISOString()}"`;
    }
    return formatted;
  };
}

export function createLogger({
  level,
  destination,
}: {
  level: LoggerOptions['level'];
  destination?: DestinationStream;
}): Logger {
  const isSecretKey = createSecretKeyCheck();
  const options: LoggerOptions = {
    level,
    base: { service: 'writ' },
    redact: { paths: topLevelSecretPaths, censor },
    formatters: { log: (object) => censorSecrets(object, isSecretKey) as Record<string, unknown> },
    serializers: { err: serializeError, error: serializeError, principal: serializePrincipal },
    timestamp: createIsoTime(),
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}

export type Subsystem = 'writ:http' | 'writ:sftp' | 'writ:jobs' | 'writ:db' | 'writ:install';

export function subsystemLogger(logger: Logger, subsystem: Subsystem): Logger {
  return logger.child({ subsystem });
}
