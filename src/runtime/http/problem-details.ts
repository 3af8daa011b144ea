import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { createError, isWritError, type WritError } from '../../shared/errors/errors.js';

/**
 * The one mapper from errors to RFC 9457 problem details. Known errors keep their stable code, status and
 * message; anything else becomes a generic 500 whose cause is logged with the request id, never sent.
 */
export type ProblemDetails = {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  requestId: string;
  errors?: { path: string; message: string }[];
};

const fastifyCodes: Record<string, { code: string; status: number; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: {
    code: 'http.malformed_json',
    status: 400,
    message: 'The request body is not valid JSON.',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    code: 'http.malformed_json',
    status: 400,
    message: 'The request body is empty but its content type says JSON.',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    code: 'http.body_too_large',
    status: 413,
    message: 'The request body is larger than this endpoint accepts.',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'http.unsupported_media_type',
    status: 415,
    message: 'This endpoint does not accept that content type.',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    code: 'http.invalid_content_length',
    status: 400,
    message: 'The Content-Length header does not match the body.',
  },
};

function toWritError(error: unknown): WritError {
  if (isWritError(error)) return error;
  const fastifyError = error as Partial<FastifyError> | undefined;
  if (fastifyError?.validation !== undefined) {
    return createError({
      code: 'http.invalid_request',
      status: 400,
      message: 'The request does not match what this endpoint expects.',
      details: {
        errors: fastifyError.validation.map((issue) => ({
          path: `${fastifyError.validationContext ?? 'body'}${issue.instancePath}`,
          message: issue.message ?? 'is invalid',
        })),
      },
    });
  }
  const known = fastifyError?.code === undefined ? undefined : fastifyCodes[fastifyError.code];
  if (known !== undefined) return createError({ ...known, cause: error });
  return createError({
    code: 'http.internal_error',
    status: 500,
    isInternal: true,
    message:
      'Something went wrong on our side. The error was logged; quote the request id when reporting it.',
    cause: error,
  });
}

function hiddenDetail(status: number): string {
  return status === 503
    ? 'Writ is temporarily unavailable. Try again in a moment.'
    : 'Something went wrong on our side. The error was logged; quote the request id when reporting it.';
}

export function toProblemDetails(error: unknown, requestId: string): ProblemDetails {
  const writError = toWritError(error);
  // Server-side failures may describe infrastructure (paths, hosts): the client gets a generic text.
  const isHidden = writError.isInternal || writError.status >= 500;
  const problem: ProblemDetails = {
    type: `urn:writ:problem:${writError.code}`,
    title: writError.code,
    status: writError.status,
    detail: isHidden ? hiddenDetail(writError.status) : writError.message,
    code: writError.code,
    requestId,
  };
  const errors = writError.details?.errors;
  if (Array.isArray(errors)) problem.errors = errors as ProblemDetails['errors'];
  return problem;
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  const problem = toProblemDetails(error, request.id);
  // A refusal that says when to come back (sign-in throttling) says it in the standard header too.
  const retryAfterSeconds = isWritError(error) ? error.details?.retryAfterSeconds : undefined;
  if (typeof retryAfterSeconds === 'number') void reply.header('retry-after', String(retryAfterSeconds));
  if (problem.status >= 500) request.log.error({ err: error, code: problem.code }, 'request failed');
  else request.log.info({ code: problem.code, status: problem.status }, 'request refused');
  return reply.status(problem.status).type('application/problem+json').send(problem);
}
