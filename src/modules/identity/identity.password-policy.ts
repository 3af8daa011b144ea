import { createRequire } from 'node:module';
import type * as ZxcvbnCore from '@zxcvbn-ts/core';
import type { OptionsType, ZxcvbnFactory } from '@zxcvbn-ts/core';
import type * as ZxcvbnCommon from '@zxcvbn-ts/language-common';
import type * as ZxcvbnEnglish from '@zxcvbn-ts/language-en';

/** zxcvbn's scale runs 0 to 4; 3 means "safely unguessable: moderate protection from offline attacks". */
export const minimumPasswordScore = 3;

/** Words every Writ password is checked against besides the user's own name. */
const siteWords = ['writ'];

/**
 * Loaded on the first password check, synchronously (the packages ship CommonJS), so that the checks stay
 * synchronous: the dictionaries hold some 40 MiB of heap that a server answering sign-ins never needs.
 */
const loadPackage = createRequire(import.meta.url);

// @NOTE Built on first use and kept: the dictionaries take ~150 ms to rank, and the result never changes.
let estimator: ZxcvbnFactory | undefined;

function getEstimator(): ZxcvbnFactory {
  if (estimator !== undefined) return estimator;
  const core = loadPackage('@zxcvbn-ts/core') as typeof ZxcvbnCore;
  const common = loadPackage('@zxcvbn-ts/language-common') as typeof ZxcvbnCommon;
  const english = loadPackage('@zxcvbn-ts/language-en') as typeof ZxcvbnEnglish;
  const options: OptionsType = {
    translations: english.translations,
    graphs: common.adjacencyGraphs,
    dictionary: { ...common.dictionary, ...english.dictionary },
  };
  estimator = new core.ZxcvbnFactory(options);
  return estimator;
}

export type PasswordStrength = {
  score: number;
  isAcceptable: boolean;
  /** Why a password is weak and how to do better, in English, from zxcvbn's feedback. */
  reason: string;
};

/** zxcvbn's estimate for a password, with the username and site words as things an attacker would try. */
export function estimatePasswordStrength({
  password,
  username,
}: {
  password: string;
  username: string;
}): PasswordStrength {
  const result = getEstimator().check(password, [username, ...siteWords]);
  const { warning, suggestions } = result.feedback;
  const advice = [warning, ...suggestions].filter(
    (line): line is string => typeof line === 'string' && line !== '',
  );
  return {
    score: result.score,
    isAcceptable: result.score >= minimumPasswordScore,
    reason:
      advice.length > 0
        ? advice.join(' ')
        : 'Add another word or two; uncommon words and unusual combinations are best.',
  };
}
