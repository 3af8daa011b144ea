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

/**
 * A matter that does not exist or on which the caller may not manage walls: one answer for both, so that
 * the wall routes do not reveal which matters exist.
 */
export const createAccessMatterNotFoundError = createErrorFactory({
  code: 'access.matter_not_found',
  status: 404,
  message: 'There is no such matter, or you do not have access to it.',
});

export const createAccessUserNotFoundError = createErrorFactory({
  code: 'access.user_not_found',
  status: 404,
  message: 'There is no such user.',
});

/** An administrator tried to designate an account whose role is not auditor as compliance officer. */
export const createComplianceOfficerNotAuditorError = createErrorFactory({
  code: 'access.compliance_officer_not_auditor',
  status: 409,
  message:
    "Only an auditor can be designated compliance officer. Change the account's role to auditor first.",
});

export const createAlreadyScreenedError = createErrorFactory({
  code: 'access.already_screened',
  status: 409,
  message: 'This person is already screened from this matter.',
});

/** Lifting a wall that does not stand (never raised, or already lifted). */
export const createScreenNotFoundError = createErrorFactory({
  code: 'access.screen_not_found',
  status: 404,
  message: 'This person is not screened from this matter.',
});

export const createAccessGroupNotFoundError = createErrorFactory({
  code: 'access.group_not_found',
  status: 404,
  message: 'There is no such group.',
});

export const createGroupAlreadyScreenedError = createErrorFactory({
  code: 'access.group_already_screened',
  status: 409,
  message: 'This group is already screened from this matter.',
});

/** Lifting a group wall that does not stand (never raised, or already lifted). */
export const createGroupScreenNotFoundError = createErrorFactory({
  code: 'access.group_screen_not_found',
  status: 404,
  message: 'This group is not screened from this matter.',
});
