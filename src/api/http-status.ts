/** The one mapping from Skiff error codes to HTTP status. */
import type { ErrorCode } from '../core/errors.js';

const exact: Partial<Record<ErrorCode, number>> = {
  SKIFF_NOT_FOUND: 404,
  SKIFF_FLAG_NOT_FOUND: 404,
  SKIFF_FLAG_CHANGE_INVALID: 422,
  SKIFF_PREVIEW_EXISTS: 409,
  SKIFF_PREVIEW_NOT_FOUND: 404,
  SKIFF_PREVIEW_INVALID: 400,
  SKIFF_PREVIEW_NO_REPOSITORY: 400,
  SKIFF_PREVIEW_BRANCH_NOT_FOUND: 404,
  SKIFF_BAD_REQUEST: 400,
  SKIFF_NO_REVISION: 409,
  // A service directory that does not exist is a mistake in the applied spec, not a server fault.
  SKIFF_SERVICE_DIRECTORY_MISSING: 422,
  SKIFF_FUNCTION_HANDLER_MISSING: 422,
  SKIFF_ARTIFACT_NOT_FOUND: 404,
  SKIFF_ARTIFACT_VERSION_INVALID: 400,
  SKIFF_ARTIFACT_AMBIGUOUS: 409,
  // The stored bytes no longer match their name: the request is refused, the server is fine.
  SKIFF_ARTIFACT_DIGEST_MISMATCH: 409,
  // The service's own build command failed: its output is in the answer, not a server fault.
  SKIFF_BUILD_FAILED: 422,
  SKIFF_NOT_DEPLOYED: 409,
  SKIFF_NOT_SUPPORTED: 409,
  SKIFF_VOLUME_IN_USE: 409,
  SKIFF_RELEASE_NOT_FOUND: 404,
  SKIFF_PIPELINE_NOT_FOUND: 404,
  SKIFF_PIPELINE_AMBIGUOUS: 409,
  SKIFF_RUN_NOT_FOUND: 404,
  SKIFF_STAGE_NOT_FOUND: 404,
  SKIFF_STAGE_NOT_WAITING: 409,
  SKIFF_CHECK_FAILED: 422,
  SKIFF_NO_ROLLOUT: 404,
  SKIFF_ROLLOUT_FINISHED: 409,
  SKIFF_ROLLOUT_ACTION_INVALID: 409,
  SKIFF_ROLLOUT_ACTIVE: 409,
  SKIFF_NO_PARALLEL_RUN: 404,
  SKIFF_PARALLEL_ACTIVE: 409,
  // The engine is missing or down: the server works, a dependency of this request does not.
  SKIFF_DOCKER_UNAVAILABLE: 503,
  SKIFF_DOCKER_IMAGE_MISSING: 409,
  // The service's Dockerfile failed to build: its output is in the answer.
  SKIFF_DOCKER_BUILD_FAILED: 422,
  SKIFF_UNAUTHORIZED: 401,
  SKIFF_FORBIDDEN: 403,
  SKIFF_TOKEN_NAME_TAKEN: 409,
  SKIFF_TOKEN_NOT_FOUND: 404,
  // Insufficient Storage: the request may succeed once space is freed.
  SKIFF_DISK_FULL: 507,
  // The cluster behind a kubernetes environment: its refusals are the cluster's, not the caller's
  // credentials for Skiff's API (never 401/403 here), and not a fault of this server.
  SKIFF_KUBECONFIG_INVALID: 422,
  SKIFF_KUBE_UNREACHABLE: 503,
  SKIFF_KUBE_UNAUTHORIZED: 502,
  SKIFF_KUBE_FORBIDDEN: 502,
  SKIFF_KUBE_NAMESPACE_MISSING: 409,
  SKIFF_KUBE_NOT_FOUND: 404,
  SKIFF_KUBE_ALREADY_EXISTS: 409,
  SKIFF_KUBE_CONFLICT: 409,
  SKIFF_KUBE_INVALID: 422,
  SKIFF_KUBE_EXPIRED: 502,
  SKIFF_KUBE_REQUEST_FAILED: 502,
  SKIFF_REGISTRY_UNREACHABLE: 503,
  SKIFF_IMAGE_PUSH_FAILED: 502,
  SKIFF_REGISTRY_UNAUTHORIZED: 502,
  SKIFF_KUBE_TIMEOUT: 504,
  SKIFF_COMMAND_RUN_NOT_FOUND: 404,
  // A command that does not exist in the release is the caller's mistake, not a server fault.
  SKIFF_COMMAND_START_FAILED: 422,
  SKIFF_COMMAND_RUN_FINISHED: 409,
  SKIFF_SOURCE_NOT_FOLLOWED: 409,
  SKIFF_SOURCE_UNREACHABLE: 502,
  SKIFF_SOURCE_FILE_MISSING: 422,
  SKIFF_SOURCE_SPEC_INVALID: 422,
  SKIFF_SOURCE_FORCE_PUSHED: 409,
  SKIFF_SOURCE_EMPTY: 409,
  SKIFF_SOURCE_APPLY_FAILED: 409,
  SKIFF_WEBHOOK_SIGNATURE_INVALID: 401,
  SKIFF_WEBHOOK_RATE_LIMITED: 429,
  // A route's certificate files are the applied spec's mistake.
  SKIFF_TLS_CERTIFICATE_INVALID: 422,
};

export function httpStatusFor(code: ErrorCode): number {
  const status = exact[code];
  if (status !== undefined) return status;
  if (code.startsWith('SKIFF_SPEC_')) return 422;
  if (code.startsWith('SKIFF_UNKNOWN_')) return 404;
  return 500;
}
