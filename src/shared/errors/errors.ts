/**
 * Every failure Writ reports carries a stable dotted code (`<module>.<snake_case>`) and an HTTP status.
 * @NOTE Codes are published in API responses and client messages: renaming one breaks clients.
 */
export type WritError = Error & {
  readonly code: string;
  readonly status: number;
  /** Internal errors are logged in full but answered with a generic message. */
  readonly isInternal: boolean;
  readonly details?: Record<string, unknown>;
};

type ErrorDefinition = {
  code: string;
  status: number;
  message: string;
  isInternal?: boolean;
};

type ErrorOptions = {
  message?: string;
  cause?: unknown;
  details?: Record<string, unknown>;
};

const writErrorMarker = Symbol.for('writ.error');

export function createError({
  code,
  status,
  message,
  isInternal = false,
  cause,
  details,
}: ErrorDefinition & Omit<ErrorOptions, 'message'>): WritError {
  const error = new Error(message, cause === undefined ? undefined : { cause }) as Error & {
    code: string;
    status: number;
    isInternal: boolean;
    details?: Record<string, unknown>;
  };
  error.name = 'WritError';
  error.code = code;
  error.status = status;
  error.isInternal = isInternal;
  if (details !== undefined) error.details = details;
  Object.defineProperty(error, writErrorMarker, { value: true });
  return error;
}

export type ErrorFactory = ((options?: ErrorOptions) => WritError) & { readonly code: string };

export function createErrorFactory(definition: ErrorDefinition): ErrorFactory {
  const factory = (options: ErrorOptions = {}): WritError =>
    createError({
      ...definition,
      message: options.message ?? definition.message,
      cause: options.cause,
      details: options.details,
    });
  return Object.assign(factory, { code: definition.code });
}

export function isWritError(error: unknown): error is WritError {
  return typeof error === 'object' && error !== null && writErrorMarker in error;
}

export function isErrorWithCode({
  error,
  code,
}: {
  error: unknown;
  code: string | readonly string[];
}): boolean {
  if (!isWritError(error)) return false;
  return typeof code === 'string' ? error.code === code : code.includes(error.code);
}
