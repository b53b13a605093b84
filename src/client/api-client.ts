/**
 * The typed client of the Skiff REST API, used by the CLI and the dashboard. Every failure is a
 * SkiffError: the server's error JSON rebuilt, or SKIFF_API_UNREACHABLE when no server answers.
 */
import type {
  ApplyResult,
  ArtifactSummary,
  DeployRequest,
  EventQuery,
  EventRecord,
  LogLine,
  LogQuery,
  PlanResult,
  PromoteRequest,
  ReleaseSummary,
  RestoreResult,
  RevisionSummary,
  RollbackRequest,
  SecretChange,
  SecretInfo,
  SpecSource,
  StatusReport,
  ValidationResult,
} from '../api/control-plane.js';
import type { AuditEntry, Caller, NewToken, Role, TokenInfo } from '../api/access-port.js';
import type { AlertState, AlertView, SeriesPoint, SeriesQuery, TopView } from '../api/monitoring-port.js';
import type { PipelineRunView } from '../api/pipeline-port.js';
import type { EffectiveFlag, FlagChange, FlagChangeResult, FlagRevision } from '../api/flags-port.js';
import type { ParallelView, RolloutAction, RolloutView } from '../api/rollout-port.js';
import type { CommandRunOutputLine, CommandRunView } from '../api/run-port.js';
import type { VolumeBackup, VolumeDeleted, VolumeInfo } from '../api/volume-port.js';
import type { CertificateView } from '../api/certificate-port.js';
import type { JobRunView, JobSummary } from '../api/job-port.js';
import type { DiffView, SyncStatusView } from '../api/sources-port.js';
import type { CreatePreview, PreviewView } from '../api/preview-port.js';
import { SkiffError, errorCatalog, type ErrorCode, type ErrorDetail } from '../core/errors.js';
import { readLines, readServerSentEvents } from './stream-readers.js';

export interface ApiClientOptions {
  /** e.g. `http://127.0.0.1:7070`. */
  readonly baseUrl: string;
  readonly fetch?: typeof fetch;
  /** Sent as `authorization: Bearer <token>` with every request. */
  readonly token?: string | undefined;
  /** Bound on each non-streaming request; 60 s unless given. */
  readonly timeoutMs?: number;
}

export interface Health {
  readonly ok: true;
  readonly version: string;
}

/** Who the token stands for (`GET /api/v1/session`). */
export type Session = Caller;

/** A control-plane request as the client sends it: the server records the token's name as the author. */
export type ClientRequest<T extends { readonly author: string }> = Omit<T, 'author'> & { readonly author?: string };

/**
 * `author` fields in the options below are ignored by the server, which records the token's
 * name; they remain for older callers.
 */
export interface ApiClient {
  readonly baseUrl: string;
  health(options?: { readonly timeoutMs?: number }): Promise<Health>;
  /** Who the client's token stands for. */
  session(): Promise<Session>;
  /** Admin only. The answer holds the token, shown this once. */
  createToken(options: { readonly name: string; readonly role: Role; readonly environments?: readonly string[] }): Promise<NewToken>;
  /** Admin only: the tokens not revoked, without their secrets. */
  tokens(): Promise<readonly TokenInfo[]>;
  /** Admin only; SKIFF_TOKEN_NOT_FOUND when no token has the name. */
  revokeToken(name: string): Promise<TokenInfo>;
  /** The audit log, newest first. `since`: an ISO time. */
  audit(query?: { readonly since?: string; readonly who?: string; readonly limit?: number }): Promise<readonly AuditEntry[]>;
  validate(source: SpecSource): Promise<ValidationResult>;
  /** Throws SKIFF_SPEC_INVALID with `details` when the spec is invalid. */
  apply(source: SpecSource, options?: { readonly author?: string; readonly message?: string }): Promise<ApplyResult>;
  environments(): Promise<readonly string[]>;
  status(environment: string): Promise<StatusReport>;
  /** The flags of an environment as evaluated now. */
  flags(environment: string): Promise<readonly EffectiveFlag[]>;
  flag(environment: string, key: string): Promise<EffectiveFlag>;
  /** Needs deploy in the environment; a run-time change in force until resetFlag. */
  changeFlag(options: { readonly environment: string; readonly key: string; readonly change: FlagChange }): Promise<FlagChangeResult>;
  resetFlag(environment: string, key: string): Promise<FlagChangeResult>;
  flagRevisions(environment: string, key: string, limit?: number): Promise<readonly FlagRevision[]>;
  scale(options: {
    readonly environment: string;
    readonly service: string;
    readonly instances: number;
    readonly author?: string;
  }): Promise<RevisionSummary>;
  logs(query: LogQuery): Promise<readonly LogLine[]>;
  /** Sends the tail, then new lines, until `signal` aborts (resolves) or the server ends the stream. */
  followLogs(query: LogQuery, onLine: (line: LogLine) => void, signal: AbortSignal): Promise<void>;
  events(query?: EventQuery): Promise<readonly EventRecord[]>;
  /** New events until `signal` aborts or the server ends the stream; `afterId` replays missed ones first. */
  streamEvents(
    onEvent: (event: EventRecord) => void,
    signal: AbortSignal,
    options?: { readonly afterId?: number },
  ): Promise<void>;
  /** Newest first; with an environment, only the revisions that changed it. */
  revisions(limit?: number, environment?: string): Promise<readonly RevisionSummary[]>;
  /** What applying the spec would change; `valid: false` with the errors when it is invalid. */
  plan(source: SpecSource): Promise<PlanResult>;
  /** `to`: a revision id or an ISO 8601 time with its zone. Answers when the rollouts are done. */
  restore(options: { readonly environment: string; readonly to: string; readonly author?: string }): Promise<RestoreResult>;
  /** Answers when the build is done; SKIFF_BUILD_FAILED carries the build's output. */
  build(options: { readonly service: string; readonly author?: string }): Promise<ArtifactSummary>;
  /** Newest first. */
  artifacts(service: string): Promise<readonly ArtifactSummary[]>;
  /** `version`: a digest, a unique prefix of its hex, or `latest`. Answers when the rollout is done. */
  deploy(options: ClientRequest<DeployRequest>): Promise<ReleaseSummary>;
  /** `to`: a release version such as `v2`; default the one before the current. */
  rollback(options: ClientRequest<RollbackRequest>): Promise<ReleaseSummary>;
  promote(options: ClientRequest<PromoteRequest>): Promise<ReleaseSummary>;
  /** The rollout under way, else the last one; SKIFF_NO_ROLLOUT when the service never had one there. */
  rollout(environment: string, service: string): Promise<RolloutView>;
  /** promote, pause, resume, abort or undo; SKIFF_ROLLOUT_FINISHED / SKIFF_ROLLOUT_ACTION_INVALID when it cannot apply. */
  rolloutAction(options: { readonly environment: string; readonly service: string; readonly action: RolloutAction }): Promise<RolloutView>;
  /** Starts a parallel run of a release (`v3`) or an artifact version beside the running release. */
  startParallel(options: { readonly environment: string; readonly service: string; readonly release?: string; readonly version?: string }): Promise<ParallelView>;
  /** The parallel run and its report; SKIFF_NO_PARALLEL_RUN without one. */
  parallel(environment: string, service: string): Promise<ParallelView>;
  /** Stops the parallel run; answers its last report. */
  stopParallel(options: { readonly environment: string; readonly service: string }): Promise<ParallelView>;
  /** Newest first. */
  releases(environment: string, service: string): Promise<readonly ReleaseSummary[]>;
  /** Runs a command with the environment's current release of the service; answers once it runs. */
  startRun(options: { readonly environment: string; readonly service: string; readonly command: readonly string[]; readonly stdin?: boolean }): Promise<CommandRunView>;
  run(environment: string, id: number): Promise<CommandRunView>;
  /** Newest first. */
  runs(environment: string, service: string, limit?: number): Promise<readonly CommandRunView[]>;
  stopRun(environment: string, id: number): Promise<CommandRunView>;
  /** Its output from the start until it ends; resolves with the run as it ended (null when `signal` aborted first). */
  followRunOutput(environment: string, id: number, onOutput: (text: string) => void, signal: AbortSignal): Promise<CommandRunView | null>;
  /** Streams `input` to the run's standard input as it comes; its end is the end of the run's input. */
  sendRunInput(environment: string, id: number, input: ReadableStream<Uint8Array>, signal: AbortSignal): Promise<void>;
  /** Starts a run of the pipeline covering the service; answers at once with the new run. */
  startPipeline(options: { readonly service: string; readonly pipeline?: string; readonly author?: string }): Promise<PipelineRunView>;
  /** Newest first. */
  pipelineRuns(options?: { readonly service?: string; readonly limit?: number }): Promise<readonly PipelineRunView[]>;
  pipelineRun(id: number): Promise<PipelineRunView>;
  /** SKIFF_STAGE_NOT_WAITING when the stage does not wait for an approval. */
  approveStage(options: { readonly id: number; readonly stage: string; readonly author?: string }): Promise<PipelineRunView>;
  /** The answer names the secrets and the new release; values are never sent back. Answers when the rollout is done. */
  setSecrets(options: {
    readonly environment: string;
    readonly service: string;
    readonly values: Readonly<Record<string, string>>;
    readonly author?: string;
  }): Promise<SecretChange>;
  /** SKIFF_NOT_FOUND when there is no such secret. */
  unsetSecret(options: { readonly environment: string; readonly service: string; readonly name: string; readonly author?: string }): Promise<SecretChange>;
  /** Names, versions, authors and times; never values. */
  secrets(environment: string, service: string): Promise<readonly SecretInfo[]>;
  /** Asks the server to stop; it answers before it stops. */
  stop(): Promise<void>;
  openApi(): Promise<Readonly<Record<string, unknown>>>;
  /** Alert rules with their state, per environment. */
  alerts(query?: { readonly environment?: string; readonly state?: AlertState }): Promise<readonly AlertView[]>;
  /** Per service: traffic and usage of the last seconds. */
  top(environment: string): Promise<TopView>;
  /** A metric's history (10 s or 1 min points). */
  series(query: SeriesQuery): Promise<readonly SeriesPoint[]>;
  /** The Prometheus text of `GET /metrics`. */
  metricsText(): Promise<string>;
  /** The certificates the routers serve, per environment. */
  certificates(environment?: string): Promise<readonly CertificateView[]>;
  /** The volumes of the services with their backups, per environment. */
  volumes(environment?: string): Promise<readonly VolumeInfo[]>;
  /** A tar snapshot of a volume, kept on the server. */
  backupVolume(target: VolumeTarget): Promise<VolumeBackup>;
  /** SKIFF_VOLUME_IN_USE while the service has instances in the environment. */
  restoreVolume(target: VolumeTarget & { readonly backup: string }): Promise<VolumeBackup>;
  /** Deletes a volume with its data; SKIFF_VOLUME_IN_USE while the service declares it and has instances. */
  deleteVolume(target: VolumeTarget): Promise<VolumeDeleted>;
  /** Scheduled jobs with their last run and next time. */
  jobs(environment?: string): Promise<readonly JobSummary[]>;
  /** A job's runs, newest first. */
  jobRuns(job: string, query?: { readonly environment?: string; readonly limit?: number }): Promise<readonly JobRunView[]>;
  /** The sync state of an environment that follows a git repository. */
  syncStatus(environment: string): Promise<SyncStatusView>;
  /** Fetches and syncs now; answers once done. `force`: take a rewritten branch's newest commit. */
  sync(environment: string, options?: { readonly force?: boolean }): Promise<SyncStatusView>;
  /** What differs between the synced commit and what is applied now. */
  diff(environment: string): Promise<DiffView>;
  /** Preview environments. */
  previews(): Promise<readonly PreviewView[]>;
  /** Needs deploy in `from`. */
  createPreview(options: CreatePreview): Promise<PreviewView>;
  /** Needs deploy in the environment the preview came from. */
  deletePreview(name: string): Promise<{ readonly deleted: string }>;
}

export interface VolumeTarget {
  readonly environment: string;
  readonly service: string;
  readonly volume: string;
}

const defaultTimeoutMs = 60_000;
/**
 * Builds and rollouts answer only when done. Node's fetch gives up on a response whose headers
 * take longer than 300 s whatever this bound says, so that is the real limit for now.
 */
export const longRequestTimeoutMs = 30 * 60_000;
const unreachableHint = 'is `skiff up` running? set SKIFF_API to its address (default http://127.0.0.1:7070)';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

type Query = Readonly<Record<string, string | number | boolean | undefined>>;

interface RequestOptions {
  readonly body?: unknown;
  readonly query?: Query;
  readonly timeoutMs?: number;
  /** For streams: no timeout, the caller's signal ends the request. */
  readonly signal?: AbortSignal;
  /** Sent as application/octet-stream as it is read, instead of a JSON `body`. */
  readonly stream?: ReadableStream<Uint8Array>;
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const fetchImpl = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  const authorization: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};

  async function send(method: Method, path: string, request: RequestOptions = {}): Promise<Response> {
    const url = `${baseUrl}${path}${queryString(request.query)}`;
    const requestTimeout = request.timeoutMs ?? timeoutMs;
    const signal = request.signal ?? AbortSignal.timeout(requestTimeout);
    let response: Response;
    try {
      response = await fetchImpl(url, {
        method,
        signal,
        ...requestBody(request, authorization),
      });
    } catch (error) {
      if (request.signal?.aborted) throw error;
      throw unreachable(baseUrl, error, requestTimeout);
    }
    if (!response.ok) throw await errorFromResponse(baseUrl, response);
    return response;
  }

  async function json<T>(method: Method, path: string, request?: RequestOptions): Promise<T> {
    const response = await send(method, path, request);
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw unreachable(baseUrl, error, request?.timeoutMs ?? timeoutMs);
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new SkiffError('SKIFF_INTERNAL', `${baseUrl} answered ${method} ${path} with something that is not JSON`, {
        hint: 'check that SKIFF_API points at a Skiff server',
      });
    }
  }

  /** Runs a streaming request; an abort by the caller is the normal end. */
  async function stream(path: string, query: Query, signal: AbortSignal, read: (body: ReadableStream<Uint8Array>) => Promise<void>): Promise<void> {
    try {
      const response = await send('GET', path, { query, signal });
      if (response.body) await read(response.body);
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof SkiffError) throw error;
      throw new SkiffError('SKIFF_API_UNREACHABLE', `lost the connection to the Skiff API at ${baseUrl}`, {
        hint: 'the server stopped or the network failed; run the command again once `skiff up` runs',
        cause: error,
      });
    }
  }

  const servicePathOnly = (service: string): string => `/api/v1/services/${encodeURIComponent(service)}`;
  const long = { timeoutMs: Math.max(timeoutMs, longRequestTimeoutMs) };
  const servicePath = (environment: string, service: string): string =>
    `/api/v1/environments/${encodeURIComponent(environment)}/services/${encodeURIComponent(service)}`;
  const runPath = (environment: string, id: number): string => `/api/v1/environments/${encodeURIComponent(environment)}/runs/${id}`;
  const flagsPath = (environment: string, key?: string): string =>
    `/api/v1/environments/${encodeURIComponent(environment)}/flags${key === undefined ? '' : `/${encodeURIComponent(key)}`}`;
  const logQuery = (query: LogQuery, follow: boolean): Query => ({
    tail: query.tail,
    instance: query.instance,
    release: query.release,
    sinceMs: query.sinceMs,
    grep: query.grep,
    follow: follow || undefined,
  });

  return {
    baseUrl,
    health: (request = {}) => json('GET', '/api/v1/health', request),
    session: () => json('GET', '/api/v1/session'),
    createToken: (body) => json('POST', '/api/v1/tokens', { body }),
    tokens: () => json('GET', '/api/v1/tokens'),
    revokeToken: (name) => json('DELETE', `/api/v1/tokens/${encodeURIComponent(name)}`),
    audit: (query = {}) => json('GET', '/api/v1/audit', { query: { ...query } }),
    validate: (source) => json('POST', '/api/v1/validate', { body: source }),
    apply: (source, applyOptions = {}) => json('POST', '/api/v1/apply', { body: { ...source, ...applyOptions } }),
    environments: () => json('GET', '/api/v1/environments'),
    status: (environment) => json('GET', `/api/v1/environments/${encodeURIComponent(environment)}/status`),
    scale: ({ environment, service, ...body }) => json('POST', `${servicePath(environment, service)}/scale`, { body }),
    flags: (environment) => json('GET', flagsPath(environment)),
    flag: (environment, key) => json('GET', flagsPath(environment, key)),
    changeFlag: ({ environment, key, change: { kind, ...body } }) => json('POST', kind === 'set' ? flagsPath(environment, key) : `${flagsPath(environment, key)}/rollout`, { body }),
    resetFlag: (environment, key) => json('POST', `${flagsPath(environment, key)}/reset`),
    flagRevisions: (environment, key, limit) => json('GET', `${flagsPath(environment, key)}/revisions`, { query: { limit } }),
    async logs(query) {
      const response = await send('GET', `${servicePath(query.environment, query.service)}/logs`, { query: logQuery(query, false) });
      return parseNdjson<LogLine>(await response.text());
    },
    followLogs: (query, onLine, signal) =>
      stream(`${servicePath(query.environment, query.service)}/logs`, logQuery(query, true), signal, (body) =>
        readLines(body, (line) => onLine(JSON.parse(line) as LogLine)),
      ),
    events: (query = {}) => json('GET', '/api/v1/events', { query: { ...query } }),
    streamEvents: (onEvent, signal, streamOptions = {}) =>
      stream('/api/v1/events/stream', { afterId: streamOptions.afterId }, signal, (body) =>
        readServerSentEvents(body, (event) => onEvent(JSON.parse(event.data) as EventRecord)),
      ),
    revisions: (limit, environment) => json('GET', '/api/v1/revisions', { query: { limit, environment } }),
    syncStatus: (environment) => json('GET', `/api/v1/environments/${encodeURIComponent(environment)}/sync`),
    sync: (environment, options = {}) => json('POST', `/api/v1/environments/${encodeURIComponent(environment)}/sync`, { body: options, ...long }),
    diff: (environment) => json('GET', `/api/v1/environments/${encodeURIComponent(environment)}/diff`, long),
    plan: (source) => json('POST', '/api/v1/plan', { body: source }),
    restore: ({ environment, ...body }) =>
      json('POST', `/api/v1/environments/${encodeURIComponent(environment)}/restore`, { body, ...long }),
    build: ({ service, ...body }) => json('POST', `${servicePathOnly(service)}/build`, { body, ...long }),
    artifacts: (service) => json('GET', `${servicePathOnly(service)}/artifacts`),
    deploy: ({ service, environment, ...body }) => json('POST', `${servicePath(environment, service)}/deploy`, { body, ...long }),
    rollback: ({ service, environment, ...body }) =>
      json('POST', `${servicePath(environment, service)}/rollback`, { body, ...long }),
    promote: ({ service, ...body }) => json('POST', `${servicePathOnly(service)}/promote`, { body, ...long }),
    releases: (environment, service) => json('GET', `${servicePath(environment, service)}/releases`),
    startRun: ({ environment, service, ...body }) => json('POST', `${servicePath(environment, service)}/runs`, { body, ...long }),
    run: (environment, id) => json('GET', `${runPath(environment, id)}`),
    runs: (environment, service, limit) => json('GET', `${servicePath(environment, service)}/runs`, { query: { limit } }),
    stopRun: (environment, id) => json('POST', `${runPath(environment, id)}/stop`, { body: {} }),
    async followRunOutput(environment, id, onOutput, signal) {
      let ended: CommandRunView | null = null;
      await stream(`${runPath(environment, id)}/output`, { follow: true }, signal, (body) =>
        readLines(body, (text) => {
          const line = JSON.parse(text) as CommandRunOutputLine;
          if ('output' in line) onOutput(line.output);
          else ended = line.run;
        }),
      );
      return ended;
    },
    async sendRunInput(environment, id, input, signal) {
      try {
        await send('PUT', `${runPath(environment, id)}/stdin`, { stream: input, signal });
      } catch (error) {
        if (!signal.aborted) throw error;
      }
    },
    rollout: (environment, service) => json('GET', `${servicePath(environment, service)}/rollout`),
    rolloutAction: ({ environment, service, action }) => json('POST', `${servicePath(environment, service)}/rollout/${action}`, { body: {} }),
    startParallel: ({ environment, service, ...body }) => json('POST', `${servicePath(environment, service)}/parallel`, { body, ...long }),
    parallel: (environment, service) => json('GET', `${servicePath(environment, service)}/parallel`),
    stopParallel: ({ environment, service }) => json('DELETE', `${servicePath(environment, service)}/parallel`),
    startPipeline: (body) => json('POST', '/api/v1/pipelines/runs', { body }),
    pipelineRuns: (query = {}) => json('GET', '/api/v1/pipelines/runs', { query: { ...query } }),
    pipelineRun: (id) => json('GET', `/api/v1/pipelines/runs/${id}`),
    approveStage: ({ id, stage, ...body }) =>
      json('POST', `/api/v1/pipelines/runs/${id}/stages/${encodeURIComponent(stage)}/approve`, { body }),
    setSecrets: ({ environment, service, ...body }) => json('PUT', `${servicePath(environment, service)}/secrets`, { body, ...long }),
    unsetSecret: ({ environment, service, name, author }) =>
      json('DELETE', `${servicePath(environment, service)}/secrets/${encodeURIComponent(name)}`, { query: { author }, ...long }),
    secrets: (environment, service) => json('GET', `${servicePath(environment, service)}/secrets`),
    async stop() {
      await json('POST', '/api/v1/system/stop');
    },
    openApi: () => json('GET', '/api/openapi.json'),
    top: (environment) => json('GET', `/api/v1/environments/${encodeURIComponent(environment)}/top`),
    series: (query) => json('GET', '/api/v1/metrics/series', { query: { ...query } }),
    alerts: (query = {}) => json('GET', '/api/v1/alerts', { query: { ...query } }),
    async metricsText() {
      return (await send('GET', '/metrics')).text();
    },
    volumes: (environment) => json('GET', '/api/v1/volumes', { query: { environment } }),
    certificates: (environment) => json('GET', '/api/v1/certificates', { query: { environment } }),
    backupVolume: ({ environment, service, volume }) =>
      json('POST', `${servicePath(environment, service)}/volumes/${encodeURIComponent(volume)}/backups`, long),
    restoreVolume: ({ environment, service, volume, backup }) =>
      json('POST', `${servicePath(environment, service)}/volumes/${encodeURIComponent(volume)}/restore`, { ...long, body: { backup } }),
    deleteVolume: ({ environment, service, volume }) => json('DELETE', `${servicePath(environment, service)}/volumes/${encodeURIComponent(volume)}`, long),
    jobs: (environment) => json('GET', '/api/v1/jobs', { query: { environment } }),
    jobRuns: (job, query = {}) => json('GET', `/api/v1/jobs/${encodeURIComponent(job)}/runs`, { query: { ...query } }),
    previews: () => json('GET', '/api/v1/previews'),
    createPreview: (options) => json('POST', '/api/v1/previews', { body: options }),
    deletePreview: (name) => json('DELETE', `/api/v1/previews/${encodeURIComponent(name)}`),
  };
}

function requestBody(request: RequestOptions, authorization: Record<string, string>): RequestInit {
  if (request.stream) {
    // `duplex` is what Node's fetch needs to send a body as it is read; the DOM typings lack it.
    return { headers: { ...authorization, 'content-type': 'application/octet-stream' }, body: request.stream, duplex: 'half' } as RequestInit;
  }
  if (request.body === undefined) return { headers: authorization };
  return { headers: { ...authorization, 'content-type': 'application/json' }, body: JSON.stringify(request.body) };
}

function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

function parseNdjson<T>(text: string): T[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}

function unreachable(baseUrl: string, error: unknown, timeoutMs: number): SkiffError {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError') {
    return new SkiffError('SKIFF_API_UNREACHABLE', `the Skiff API at ${baseUrl} did not answer within ${timeoutMs / 1000} s`, {
      hint: unreachableHint,
      cause: error,
    });
  }
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const why = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : undefined;
  const reason = why ? ` (${why})` : '';
  return new SkiffError('SKIFF_API_UNREACHABLE', `cannot reach the Skiff API at ${baseUrl}${reason}`, {
    hint: unreachableHint,
    cause: error,
  });
}

async function errorFromResponse(baseUrl: string, response: Response): Promise<SkiffError> {
  const text = await response.text().catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (isErrorBody(body)) {
    return new SkiffError(body.code, body.message, {
      ...(body.details ? { details: body.details } : {}),
      ...(body.hint ? { hint: body.hint } : {}),
      ...(body.path ? { path: body.path } : {}),
    });
  }
  return new SkiffError('SKIFF_INTERNAL', `${baseUrl} answered HTTP ${response.status}: ${text.slice(0, 200) || response.statusText}`, {
    hint: 'check that SKIFF_API points at a Skiff server',
  });
}

function isErrorBody(
  value: unknown,
): value is { code: ErrorCode; message: string; hint?: string; path?: string; details?: ErrorDetail[] } {
  if (typeof value !== 'object' || value === null) return false;
  const { code, message } = value as { code?: unknown; message?: unknown };
  return typeof code === 'string' && code in errorCatalog && typeof message === 'string';
}
