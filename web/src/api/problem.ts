/**
 * The API answers every failure with RFC 9457 problem+json carrying a stable `code`. The UI shows the
 * server's `detail` (written for the person reading it) and keeps the code for decisions such as asking
 * for a step-up or returning to sign-in.
 */
export type Problem = {
  status: number;
  code: string;
  title: string;
  detail: string;
  /** Field-level validation messages, when the server gave them. */
  errors?: { path: string; message: string }[];
  retryAfterSeconds?: number;
};

export class ApiError extends Error {
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(problem.detail);
    this.name = 'ApiError';
    this.problem = problem;
  }

  get code(): string {
    return this.problem.code;
  }

  get status(): number {
    return this.problem.status;
  }
}

const networkProblem: Problem = {
  status: 0,
  code: 'web.network_error',
  title: 'Writ could not be reached',
  detail: 'Writ could not be reached. Check your connection and try again.',
};

export function networkError(): ApiError {
  return new ApiError(networkProblem);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Reads a problem from any failed response, even one a proxy wrote without problem+json. */
export function toProblem(status: number, body: unknown, retryAfter: string | null): Problem {
  const fields = isRecord(body) ? body : {};
  const text = (key: string): string | undefined =>
    typeof fields[key] === 'string' ? fields[key] : undefined;
  const problem: Problem = {
    status,
    code: text('code') ?? `http.${status}`,
    title: text('title') ?? 'Request failed',
    detail: text('detail') ?? fallbackDetail(status),
  };
  if (Array.isArray(fields.errors)) {
    problem.errors = fields.errors.filter(isRecord).map((error) => ({
      path: typeof error.path === 'string' ? error.path : '',
      message: typeof error.message === 'string' ? error.message : '',
    }));
  }
  const seconds = retryAfter === null ? NaN : Number(retryAfter);
  if (Number.isFinite(seconds)) problem.retryAfterSeconds = seconds;
  return problem;
}

function fallbackDetail(status: number): string {
  if (status === 413) return 'The file is larger than this server accepts.';
  if (status === 429) return 'Too many requests. Wait a moment and try again.';
  if (status >= 500) return 'Writ ran into a problem. Try again; if it persists, tell your administrator.';
  return 'The request could not be completed.';
}

/** What to tell the person, for any error thrown by the API client or the browser. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.problem.detail;
  if (error instanceof DOMException && error.name === 'AbortError') return 'Cancelled.';
  if (error instanceof DOMException && error.name === 'NotAllowedError')
    return 'The passkey prompt was closed or timed out. Try again.';
  if (error instanceof Error) return error.message;
  return 'Something went wrong.';
}
