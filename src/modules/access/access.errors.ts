import { createErrorFactory } from '../../shared/errors/errors.js';

/** The Cedar policies or schema do not parse or do not validate: the server must not start on them. */
export const createPolicyInvalidError = createErrorFactory({
  code: 'access.policy_invalid',
  status: 500,
  message: 'The access policies are invalid.',
});

/** Cedar could not evaluate a request (a bug: a request that does not match the schema). */
export const createPolicyEvaluationFailedError = createErrorFactory({
  code: 'access.policy_evaluation_failed',
  status: 500,
  isInternal: true,
  message: 'An access decision could not be evaluated.',
});
