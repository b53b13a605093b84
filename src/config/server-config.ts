/** The only reader of process.env for the server: validated, frozen settings for `skiff up`. */
import os from 'node:os';
import path from 'node:path';
import { SkiffError } from '../core/errors.js';

export interface ServerConfig {
  readonly specPath: string;
  readonly environment: string;
  readonly dataDir: string;
  readonly apiHost: string;
  readonly apiPort: number;
  readonly routerHost: string;
  readonly routerPort: number;
  readonly logLevel: string;
  /** SKIFF_SECRET_KEY: the key that encrypts secrets; a key file in the data directory when unset. */
  readonly secretKey: string | undefined;
  /** SKIFF_ACME_CA_FILE: PEM CA certificates trusted for ACME directories besides the system's (a test CA such as pebble). */
  readonly acmeCaFile: string | undefined;
  /** What every instance inherits from this machine's environment. */
  readonly instanceBaseEnv: Readonly<Record<string, string>>;
  /** DOCKER_HOST: the Docker engine for docker services; unset means /var/run/docker.sock. */
  readonly dockerHost: string | undefined;
  /** KUBECONFIG and the home directory: where a kubernetes environment's kubeconfig is found when it names none. */
  readonly kubeconfig: { readonly KUBECONFIG?: string; readonly homeDir: string };
  /** --warm-pool or SKIFF_FUNCTION_WARM_POOL: function runtimes kept started once this machine runs a function. */
  readonly functionWarmPool: number;
  /** How long and how many events and audit entries are kept; older audit entries move to the archive file. */
  readonly retention: RetentionConfig;
}

export interface RetentionPolicyConfig {
  readonly maxAgeMs: number;
  readonly maxRows: number;
}

export interface RetentionConfig {
  /** SKIFF_EVENTS_RETENTION_DAYS, SKIFF_EVENTS_MAX_ROWS. */
  readonly events: RetentionPolicyConfig;
  /** SKIFF_AUDIT_RETENTION_DAYS, SKIFF_AUDIT_MAX_ROWS. */
  readonly audit: RetentionPolicyConfig;
  /** SKIFF_RETENTION_INTERVAL_MINUTES: how often retention is applied. */
  readonly intervalMs: number;
}

const dayMs = 24 * 60 * 60 * 1000;
export const defaultRetentionDays = 30;
export const defaultRetentionRows = 1_000_000;
export const defaultRetentionIntervalMinutes = 10;

export interface ServerFlags {
  readonly dir?: string | undefined;
  readonly env?: string | undefined;
  readonly dataDir?: string | undefined;
  readonly apiPort?: number | undefined;
  readonly routerPort?: number | undefined;
  readonly warmPool?: number | undefined;
}

export const defaultApiPort = 7070;
export const defaultRouterPort = 8080;
export const defaultEnvironment = 'dev';
export const defaultFunctionWarmPool = 2;
/** Relative to the directory `skiff up` (and the CLI) run in. */
export const defaultDataDir = '.skiff';

export function loadServerConfig(flags: ServerFlags, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): ServerConfig {
  const target = path.resolve(cwd, flags.dir ?? '.');
  const specPath = /\.ya?ml$/.test(target) ? target : path.join(target, 'skiff.yaml');
  return Object.freeze({
    specPath,
    environment: flags.env ?? env.SKIFF_ENV ?? defaultEnvironment,
    dataDir: path.resolve(cwd, flags.dataDir ?? env.SKIFF_DATA ?? defaultDataDir),
    apiHost: '127.0.0.1',
    apiPort: flags.apiPort ?? port(env.SKIFF_API_PORT, 'SKIFF_API_PORT') ?? defaultApiPort,
    routerHost: '127.0.0.1',
    routerPort: flags.routerPort ?? port(env.SKIFF_ROUTER_PORT, 'SKIFF_ROUTER_PORT') ?? defaultRouterPort,
    logLevel: env.SKIFF_LOG_LEVEL ?? 'info',
    secretKey: env.SKIFF_SECRET_KEY,
    acmeCaFile: env.SKIFF_ACME_CA_FILE ? path.resolve(cwd, env.SKIFF_ACME_CA_FILE) : undefined,
    instanceBaseEnv: Object.freeze(pick(env, ['PATH', 'HOME', 'LANG'])),
    dockerHost: env.DOCKER_HOST === '' ? undefined : env.DOCKER_HOST,
    kubeconfig: Object.freeze({ ...(env.KUBECONFIG ? { KUBECONFIG: env.KUBECONFIG } : {}), homeDir: env.HOME ?? os.homedir() }),
    functionWarmPool: flags.warmPool ?? wholeNumber(env, 'SKIFF_FUNCTION_WARM_POOL') ?? defaultFunctionWarmPool,
    retention: Object.freeze({
      events: policy(env, 'EVENTS'),
      audit: policy(env, 'AUDIT'),
      intervalMs: (wholeNumber(env, 'SKIFF_RETENTION_INTERVAL_MINUTES') ?? defaultRetentionIntervalMinutes) * 60_000,
    }),
  });
}

function policy(env: NodeJS.ProcessEnv, kind: 'EVENTS' | 'AUDIT'): RetentionPolicyConfig {
  return Object.freeze({
    maxAgeMs: (wholeNumber(env, `SKIFF_${kind}_RETENTION_DAYS`) ?? defaultRetentionDays) * dayMs,
    maxRows: wholeNumber(env, `SKIFF_${kind}_MAX_ROWS`) ?? defaultRetentionRows,
  });
}

function wholeNumber(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 1) {
    throw new SkiffError('SKIFF_BAD_REQUEST', `${name}=${value} is not a whole number of at least 1`, { hint: 'use a whole number such as 30', path: name });
  }
  return number;
}

function port(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0 || number > 65535) {
    throw new SkiffError('SKIFF_BAD_REQUEST', `${name}=${value} is not a port number`, {
      hint: 'use a whole number from 1 to 65535',
      path: name,
    });
  }
  return number;
}

function pick(env: NodeJS.ProcessEnv, names: readonly string[]): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of names) {
    const value = env[name];
    if (value !== undefined) picked[name] = value;
  }
  return picked;
}
