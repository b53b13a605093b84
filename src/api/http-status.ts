/** The one mapping from Skiff error codes to HTTP status. */
import type { ErrorCode } from '../core/errors.js';

const exact: Partial<Record<ErrorCode, number>> = {
  SKIFF_NOT_FOUND: 404,
  SKIFF_BAD_REQUEST: 400,
  SKIFF_NO_REVISION: 409,
  // A service directory that does not exist is a mistake in the applied spec, not a server fault.
  SKIFF_SERVICE_DIRECTORY_MISSING: 422,
};

export function httpStatusFor(code: ErrorCode): number {
  const status = exact[code];
  if (status !== undefined) return status;
  if (code.startsWith('SKIFF_SPEC_')) return 422;
  if (code.startsWith('SKIFF_UNKNOWN_')) return 404;
  return 500;
}
