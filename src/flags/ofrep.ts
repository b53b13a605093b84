/**
 * The OpenFeature Remote Evaluation Protocol's bodies (open-feature/protocol, service/openapi.yaml):
 * what one evaluation answers, and the HTTP status each outcome has.
 */
import type { FlagValue } from './flag-values.js';

/** OFREP's error codes; flagd's TYPE_MISMATCH and others become GENERAL. */
export type OfrepErrorCode = 'PARSE_ERROR' | 'TARGETING_KEY_MISSING' | 'INVALID_CONTEXT' | 'GENERAL' | 'FLAG_NOT_FOUND';

/** OFREP's reasons for a success (`evaluationSuccess.reason`); DEFAULT and CACHED are OpenFeature's too. */
export type OfrepReason = 'STATIC' | 'TARGETING_MATCH' | 'SPLIT' | 'DISABLED' | 'DEFAULT' | 'UNKNOWN';

export interface OfrepSuccess {
  readonly key: string;
  readonly reason: OfrepReason;
  /** Absent for a disabled flag (OFREP's codeDefaultFlag): the caller's default applies. */
  readonly variant?: string;
  readonly value?: FlagValue;
  readonly metadata: Readonly<Record<string, string | number | boolean>>;
}

export interface OfrepFailure {
  readonly key: string;
  readonly errorCode: OfrepErrorCode;
  readonly errorDetails: string;
}

export type OfrepEvaluation = OfrepSuccess | OfrepFailure;

export function isOfrepFailure(evaluation: OfrepEvaluation): evaluation is OfrepFailure {
  return 'errorCode' in evaluation;
}

/**
 * The status of a single evaluation's answer, as OFREP's OpenAPI document gives it: 404
 * (`flagNotFound`) for an unknown flag, 400 (`evaluationFailure`) for every other error code;
 * 500 is kept for faults of the server itself (`generalErrorResponse`, no error code).
 */
export function ofrepStatus(evaluation: OfrepEvaluation): 200 | 400 | 404 {
  if (!isOfrepFailure(evaluation)) return 200;
  return evaluation.errorCode === 'FLAG_NOT_FOUND' ? 404 : 400;
}
