/**
 * The one catalog of Skiff's coded errors. Each code is defined once, with a message a person
 * can act on. `api/` alone maps codes to HTTP status.
 */
export const errorCatalog = {
  SKIFF_SPEC_YAML_SYNTAX: 'the file is not valid YAML',
  SKIFF_SPEC_UNKNOWN_KEY: 'unknown key',
  SKIFF_SPEC_INVALID_VALUE: 'invalid value',
  SKIFF_SPEC_MISSING_KEY: 'a required key is missing',
  SKIFF_SPEC_INVALID: 'the spec is invalid',
  SKIFF_SPEC_LIMIT_EXCEEDED: 'the spec is larger, deeper or has more aliases than Skiff reads',
  SKIFF_SPEC_FILE_NOT_FOUND: 'the spec file was not found',
  SKIFF_SPEC_TOO_LARGE: 'the spec file is larger than the API accepts',
  SKIFF_INIT_NO_SERVICES: 'no service Skiff can run was found in the directory',
  SKIFF_INIT_ROUTE_CONFLICT: 'two services would take the same route',
  SKIFF_INIT_FILE_EXISTS: 'the file exists and is left as it is',
  SKIFF_NOT_FOUND: 'not found',
  SKIFF_UNKNOWN_ENVIRONMENT: 'unknown environment',
  SKIFF_UNKNOWN_SERVICE: 'unknown service',
  SKIFF_BAD_REQUEST: 'bad request',
  SKIFF_NO_REVISION: 'nothing has been applied yet',
  SKIFF_DRIVER_START_FAILED: 'the instance could not be started',
  SKIFF_SERVICE_DIRECTORY_MISSING: 'the service directory does not exist',
  SKIFF_DOCKER_UNAVAILABLE: 'no Docker engine is reachable',
  SKIFF_DOCKER_IMAGE_MISSING: 'the container image is not in the local Docker engine',
  SKIFF_DOCKER_BUILD_FAILED: 'the Docker engine could not build the image',
  SKIFF_API_UNREACHABLE: 'the Skiff API is not reachable',
  SKIFF_ALREADY_RUNNING: 'a Skiff server is already running with this data directory',
  SKIFF_ROUTER_START_FAILED: 'the router could not be started',
  SKIFF_ROUTER_UNREACHABLE: 'the router admin socket is not reachable',
  SKIFF_ROUTE_TABLE_STALE: 'the routing table is older than the one the router already has',
  SKIFF_NO_ROUTE: 'no route matches this request',
  SKIFF_NO_READY_INSTANCE: 'no ready instance can serve this route',
  SKIFF_UPSTREAM_UNAVAILABLE: 'the instance could not be reached',
  SKIFF_UPSTREAM_TIMEOUT: 'the instance did not answer in time',
  SKIFF_SERVICE_OVERLOADED: 'the service has too many requests in flight',
  SKIFF_RATE_LIMITED: 'too many requests from this client',
  SKIFF_BODY_TOO_LARGE: 'the request body is larger than the route allows',
  SKIFF_INVALID_HOST: 'the Host header is not a valid host[:port], or there is more than one',
  SKIFF_INVALID_REQUEST_TARGET: 'the request target is neither a path nor an http(s) URL',
  SKIFF_UNSUPPORTED_TRANSFER_ENCODING: 'the router passes on request bodies with Content-Length or Transfer-Encoding: chunked only',
  SKIFF_METHOD_NOT_SUPPORTED: 'the router does not support this method (it is not a forward proxy)',
  SKIFF_BUILD_FAILED: 'the build command failed',
  SKIFF_ARTIFACT_NOT_FOUND: 'no such artifact',
  SKIFF_ARTIFACT_AMBIGUOUS: 'the version prefix matches more than one artifact',
  SKIFF_ARTIFACT_DIGEST_MISMATCH: 'the stored artifact does not match its digest',
  SKIFF_ARTIFACT_INVALID: 'the artifact archive is malformed or unsafe',
  SKIFF_ARTIFACT_VERSION_INVALID: 'not a valid artifact version',
  SKIFF_ARTIFACT_TARGET_IN_USE: 'the unpack target holds files Skiff did not put there',
  SKIFF_NOT_DEPLOYED: 'the service has no release in that environment',
  SKIFF_NOT_SUPPORTED: "the environment's provider cannot do that",
  SKIFF_VOLUME_IN_USE: "the volume's service has instances that could write to it",
  SKIFF_EXPORT_RELEASES_UNKNOWN: 'the image digests of the releases to export are unknown',
  SKIFF_RELEASE_NOT_FOUND: 'no such release',
  SKIFF_PIPELINE_NOT_FOUND: 'no pipeline covers that service',
  SKIFF_PIPELINE_AMBIGUOUS: 'more than one pipeline covers that service',
  SKIFF_RUN_NOT_FOUND: 'no such pipeline run',
  SKIFF_STAGE_NOT_FOUND: 'the pipeline run has no such stage',
  SKIFF_STAGE_NOT_WAITING: 'the stage is not waiting for an approval',
  SKIFF_CHECK_FAILED: 'the check failed',
  SKIFF_RELEASE_NOT_READY: 'the release did not become ready in time',
  SKIFF_NO_ROLLOUT: 'the service has had no rollout in that environment',
  SKIFF_ROLLOUT_FINISHED: 'the rollout is over',
  SKIFF_ROLLOUT_ACTION_INVALID: 'the rollout cannot do that now',
  SKIFF_ROLLOUT_ACTIVE: 'a rollout of the service is under way',
  SKIFF_NO_PARALLEL_RUN: 'the service has no parallel run in that environment',
  SKIFF_PARALLEL_ACTIVE: 'a parallel run of the service is already under way',
  SKIFF_UNAUTHORIZED: 'a valid token is required',
  SKIFF_FORBIDDEN: 'the token does not allow this',
  SKIFF_TOKEN_NAME_TAKEN: 'a token with that name exists',
  SKIFF_TOKEN_NOT_FOUND: 'no such token',
  SKIFF_AUDIT_FAILED: 'the change was made but could not be recorded in the audit log',
  SKIFF_DISK_FULL: 'the disk holding the data directory is full',
  SKIFF_STORE_CORRUPT: 'the state database is damaged',
  SKIFF_FUNCTION_HANDLER_MISSING: "the function's handler file does not exist",
  SKIFF_FUNCTION_LOAD_FAILED: "the function's handler module could not be loaded",
  SKIFF_FUNCTION_FAILED: 'the function threw instead of returning a Response',
  SKIFF_FUNCTION_TIMEOUT: 'the function did not answer within its timeout',
  SKIFF_FUNCTION_BUSY: 'the function instance has as many requests in flight as its concurrency allows',
  SKIFF_KUBECONFIG_INVALID: 'the kubeconfig cannot be used to reach a Kubernetes cluster',
  SKIFF_KUBE_UNREACHABLE: 'the Kubernetes API server is not reachable',
  SKIFF_KUBE_UNAUTHORIZED: 'the Kubernetes API server did not accept the credentials',
  SKIFF_KUBE_FORBIDDEN: 'the Kubernetes credentials do not allow this',
  SKIFF_KUBE_NAMESPACE_MISSING: 'the Kubernetes namespace does not exist',
  SKIFF_KUBE_NOT_FOUND: 'the Kubernetes object does not exist',
  SKIFF_KUBE_ALREADY_EXISTS: 'the Kubernetes object already exists',
  SKIFF_KUBE_CONFLICT: 'the Kubernetes object is managed or was changed by someone else',
  SKIFF_KUBE_INVALID: 'the Kubernetes API server rejected the object as invalid',
  SKIFF_KUBE_EXPIRED: 'the watch started from a resourceVersion the API server no longer has',
  SKIFF_KUBE_REQUEST_FAILED: 'the Kubernetes API server refused the request',
  SKIFF_REGISTRY_UNREACHABLE: 'the image registry is not reachable',
  SKIFF_IMAGE_PUSH_FAILED: 'the image registry refused the image',
  SKIFF_REGISTRY_UNAUTHORIZED: 'the image registry asks for credentials it was not given, or refused them',
  SKIFF_KUBE_TIMEOUT: 'the cluster did not reach the state Skiff asked for in time',
  SKIFF_COMMAND_RUN_NOT_FOUND: 'no such command run',
  SKIFF_COMMAND_START_FAILED: 'the command could not be started',
  SKIFF_COMMAND_RUN_FINISHED: 'the command run has ended',
  SKIFF_FLAG_NOT_FOUND: 'the environment has no flag with that key',
  SKIFF_FLAG_CHANGE_INVALID: 'the flag change would make a flag flagd cannot evaluate',
  SKIFF_SOURCE_NOT_FOLLOWED: 'the environment follows no git repository',
  SKIFF_SOURCE_UNREACHABLE: 'the git repository could not be fetched',
  SKIFF_SOURCE_FILE_MISSING: 'the commit has no spec file at the source path',
  SKIFF_SOURCE_SPEC_INVALID: 'the spec file at the commit is invalid',
  SKIFF_SOURCE_FORCE_PUSHED: 'the branch was rewritten: the synced commit is no longer in its history',
  SKIFF_SOURCE_EMPTY: 'the commit removes every service',
  SKIFF_SOURCE_APPLY_FAILED: 'the commit could not be applied',
  SKIFF_WEBHOOK_SIGNATURE_INVALID: 'the webhook signature or token is missing or wrong',
  SKIFF_WEBHOOK_RATE_LIMITED: 'too many webhook deliveries',
  SKIFF_PREVIEW_EXISTS: 'an environment with that name exists already',
  SKIFF_PREVIEW_NOT_FOUND: 'there is no preview environment with that name',
  SKIFF_PREVIEW_INVALID: 'the preview cannot be made as asked',
  SKIFF_PREVIEW_NO_REPOSITORY: 'no git repository is set to take the preview branch from',
  SKIFF_PREVIEW_BRANCH_NOT_FOUND: 'the repository has no such branch',
  SKIFF_TLS_CERTIFICATE_INVALID: 'the certificate or its key cannot be used (unreadable, not PEM, not a pair, or expired)',
  SKIFF_INTERNAL: 'internal error',
} as const;

export type ErrorCode = keyof typeof errorCatalog;

export interface ErrorDetail {
  readonly code: ErrorCode;
  readonly message: string;
  /** A field path such as `services.catalog.instances`. */
  readonly path?: string;
  /** `file:line:column` when the error concerns a position in a file. */
  readonly position?: { readonly file: string; readonly line: number; readonly column: number };
  readonly hint?: string;
}

export class SkiffError extends Error {
  readonly code: ErrorCode;
  readonly details: readonly ErrorDetail[];
  readonly hint: string | undefined;
  readonly path: string | undefined;

  constructor(
    code: ErrorCode,
    message?: string,
    options: { details?: readonly ErrorDetail[]; hint?: string; path?: string; cause?: unknown } = {},
  ) {
    super(message ?? errorCatalog[code], options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SkiffError';
    this.code = code;
    this.details = options.details ?? [];
    this.hint = options.hint;
    this.path = options.path;
  }

  toJSON(): { code: ErrorCode; message: string; hint?: string; path?: string; details?: readonly ErrorDetail[] } {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint ? { hint: this.hint } : {}),
      ...(this.path ? { path: this.path } : {}),
      ...(this.details.length ? { details: this.details } : {}),
    };
  }
}

export function isSkiffError(value: unknown): value is SkiffError {
  return value instanceof SkiffError;
}

/** Formats one detail as `file:line:column path: message (hint)`, the form the CLI prints. */
export function formatErrorDetail(detail: ErrorDetail): string {
  const where = detail.position
    ? `${detail.position.file}:${detail.position.line}:${detail.position.column}`
    : '';
  const path = detail.path ? ` ${detail.path}` : '';
  const hint = detail.hint ? `\n    hint: ${detail.hint}` : '';
  return `${where}${path}${where || path ? ': ' : ''}${detail.message} [${detail.code}]${hint}`;
}

/** A failed command, as a value. */
export interface ExecError {
  readonly argv: readonly string[];
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
}
