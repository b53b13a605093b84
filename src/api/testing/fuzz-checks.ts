/**
 * What every API answer must satisfy whatever the request, and the state a refused request must
 * leave as it was, read through the API itself so the same check runs in process and against a
 * real server over HTTP.
 */
import { errorCatalog } from '../../core/errors.js';
import type { FuzzRequest } from './fuzz-requests.js';

const ofrepErrorCodes: readonly string[] = ['PARSE_ERROR', 'TARGETING_KEY_MISSING', 'INVALID_CONTEXT', 'GENERAL', 'FLAG_NOT_FOUND'];

export interface FuzzAnswer {
  readonly status: number;
  readonly contentType: string;
  /** Empty for a stream: only its headers are read. */
  readonly body: string;
}

export type Send = (request: FuzzRequest) => Promise<FuzzAnswer>;

/** Why an answer breaks the contract, or null: 2xx, or a 4xx with a catalog code and a message. */
export function answerProblem(answer: FuzzAnswer): string | null {
  if (answer.status >= 200 && answer.status < 300) return null;
  if (answer.status < 400 || answer.status >= 500) return `status ${answer.status}: ${answer.body.slice(0, 500)}`;
  if (!answer.contentType.startsWith('application/json')) return `a ${answer.status} answered ${answer.contentType}`;
  let body: { code?: unknown; message?: unknown; errorCode?: unknown; errorDetails?: unknown };
  try {
    body = JSON.parse(answer.body) as typeof body;
  } catch {
    return `a ${answer.status} whose body is not JSON: ${answer.body.slice(0, 200)}`;
  }
  // The OFREP routes answer in OFREP's format: one of its error codes, with details.
  if (body.code === undefined && typeof body.errorCode === 'string' && ofrepErrorCodes.includes(body.errorCode)) {
    return typeof body.errorDetails === 'string' && body.errorDetails !== '' ? null : `a ${answer.status} (${body.errorCode}) without errorDetails`;
  }
  if (typeof body.code !== 'string' || !Object.hasOwn(errorCatalog, body.code)) return `a ${answer.status} with code ${String(body.code)}, not in the catalog`;
  if (typeof body.message !== 'string' || body.message.trim() === '') return `a ${answer.status} (${body.code}) without a message`;
  return null;
}

/** Rejects when `work` takes longer than `ms`: a hang is a defect, not a slow test. */
export function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export interface SnapshotScope {
  readonly environments: readonly string[];
  readonly services: readonly string[];
}

type Read = (path: string) => Promise<unknown>;

const pick = <T extends object>(rows: unknown, keys: readonly (keyof T)[]): unknown =>
  Array.isArray(rows) ? rows.map((row: T) => Object.fromEntries(keys.map((key) => [key, row[key]]))) : rows;

/**
 * Revisions, releases, secrets, artifacts, tokens, deployments and pipeline runs, as JSON. Fields
 * that move by themselves (a rollout's phase, a run's stage, a token's last use, which release is
 * current once a rollout completes) are left out: only a request may change what is kept.
 */
export async function apiSnapshot(read: Read, scope: SnapshotScope): Promise<string> {
  const each = (path: (environment: string, service: string) => string, keys: readonly string[]): Promise<unknown[]> =>
    Promise.all(scope.environments.flatMap((environment) => scope.services.map(async (service) => pick(await read(path(environment, service)), keys as never))));
  const rollout = (environment: string, service: string) => `/api/v1/environments/${environment}/services/${service}/rollout`;
  return JSON.stringify({
    revisions: await read('/api/v1/revisions?limit=10000'),
    tokens: pick(await read('/api/v1/tokens'), ['name', 'role', 'environments', 'createdAt', 'createdBy']),
    releases: await each((environment, service) => `/api/v1/environments/${environment}/services/${service}/releases`, ['version', 'artifact', 'configHash', 'reason', 'author', 'createdAt']),
    secrets: await each((environment, service) => `/api/v1/environments/${environment}/services/${service}/secrets`, ['name', 'version', 'updatedAt', 'author']),
    artifacts: await Promise.all(scope.services.map((service) => read(`/api/v1/services/${service}/artifacts`))),
    deployments: await Promise.all(
      scope.environments.flatMap((environment) =>
        scope.services.map(async (service) => {
          const view = (await read(rollout(environment, service))) as { id?: unknown; stable?: unknown; next?: unknown; code?: unknown };
          return view.code ?? { id: view.id, stable: view.stable, next: view.next };
        }),
      ),
    ),
    runs: pick(await read('/api/v1/pipelines/runs?limit=1000'), ['id', 'service', 'pipeline']),
  });
}
