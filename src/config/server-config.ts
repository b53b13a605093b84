/** The only reader of process.env for the server: validated, frozen settings for `skiff up`. */
import os from 'node:os';
import path from 'node:path';
import { SkiffError } from '../core/errors.js';
import { parseHostPort, parseListenAddress, type ListenAddress } from '../core/listen-address.js';

export interface ServerConfig {
  readonly specPath: string;
  readonly environment: string;
  readonly dataDir: string;
  readonly apiHost: string;
  readonly apiPort: number;
  readonly routerHost: string;
  readonly routerPort: number;
  /** --router-listen: the main environment's router addresses, in place of its spec's `router.listen`. */
  readonly routerListen: readonly ListenAddress[] | undefined;
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
  /** --force-conflicts: on Kubernetes, server-side apply takes over fields another field manager owns (else a conflict is reported). */
  readonly kubernetesForceConflicts: boolean;
  /** How long and how many events and audit entries are kept; older audit entries move to the archive file. */
  readonly retention: RetentionConfig;
  /** SKIFF_WEBHOOK_*: the webhook secrets a source names with `webhookSecretEnv`. */
  readonly webhookSecrets: Readonly<Record<string, string>>;
  /** SKIFF_REGISTRY_*: the registry passwords a kubernetes environment names with `registryCredentials.passwordEnv`. */
  readonly registryPasswords: Readonly<Record<string, string>>;
  /** SKIFF_WAKE_TRACE: the file the steps of each wake from zero are timestamped in (core/wake-trace.ts); null: off. */
  readonly wakeTrace: string | null;
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
  /** `IP:PORT`, `IP:PORT/tls` (443 is TLS). */
  readonly routerListen?: readonly string[] | undefined;
  /** `IP:PORT` of the API and dashboard (plain HTTP). */
  readonly apiListen?: string | undefined;
  readonly warmPool?: number | undefined;
  readonly forceConflicts?: boolean | undefined;
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
  const apiListen = flags.apiListen === undefined ? undefined : apiAddress(flags.apiListen);
  return Object.freeze({
    specPath,
    environment: flags.env ?? env.SKIFF_ENV ?? defaultEnvironment,
    dataDir: path.resolve(cwd, flags.dataDir ?? env.SKIFF_DATA ?? defaultDataDir),
    apiHost: apiListen?.host ?? '127.0.0.1',
    apiPort: apiListen?.port ?? flags.apiPort ?? port(env.SKIFF_API_PORT, 'SKIFF_API_PORT') ?? defaultApiPort,
    routerHost: '127.0.0.1',
    routerPort: flags.routerPort ?? port(env.SKIFF_ROUTER_PORT, 'SKIFF_ROUTER_PORT') ?? defaultRouterPort,
    routerListen: flags.routerListen === undefined || flags.routerListen.length === 0 ? undefined : routerAddresses(flags.routerListen),
    logLevel: env.SKIFF_LOG_LEVEL ?? 'info',
    secretKey: env.SKIFF_SECRET_KEY,
    acmeCaFile: env.SKIFF_ACME_CA_FILE ? path.resolve(cwd, env.SKIFF_ACME_CA_FILE) : undefined,
    instanceBaseEnv: Object.freeze(pick(env, ['PATH', 'HOME', 'LANG'])),
    dockerHost: env.DOCKER_HOST === '' ? undefined : env.DOCKER_HOST,
    kubeconfig: Object.freeze({ ...(env.KUBECONFIG ? { KUBECONFIG: env.KUBECONFIG } : {}), homeDir: env.HOME ?? os.homedir() }),
    functionWarmPool: flags.warmPool ?? wholeNumber(env, 'SKIFF_FUNCTION_WARM_POOL') ?? defaultFunctionWarmPool,
    kubernetesForceConflicts: flags.forceConflicts === true,
    retention: Object.freeze({
      events: policy(env, 'EVENTS'),
      audit: policy(env, 'AUDIT'),
      intervalMs: (wholeNumber(env, 'SKIFF_RETENTION_INTERVAL_MINUTES') ?? defaultRetentionIntervalMinutes) * 60_000,
    }),
    webhookSecrets: Object.freeze(pick(env, Object.keys(env).filter((name) => name.startsWith('SKIFF_WEBHOOK_')))),
    registryPasswords: Object.freeze(pick(env, Object.keys(env).filter((name) => name.startsWith('SKIFF_REGISTRY_')))),
    wakeTrace: wakeTraceFrom(env, cwd),
  });
}

/** SKIFF_WAKE_TRACE, absolute; also read by the router process, which inherits it from `skiff up`. */
export function wakeTraceFrom(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string | null {
  const file = env.SKIFF_WAKE_TRACE;
  return file === undefined || file === '' ? null : path.resolve(cwd, file);
}

function apiAddress(text: string): { host: string; port: number } {
  const address = parseHostPort(text);
  if (address === undefined) throw new SkiffError('SKIFF_BAD_REQUEST', `--api-listen ${text} is not IP:PORT`, { hint: 'e.g. 127.0.0.1:7070 or 0.0.0.0:7070', path: '--api-listen' });
  return address;
}

function routerAddresses(texts: readonly string[]): ListenAddress[] {
  const addresses = texts.map((text) => {
    const address = parseListenAddress(text);
    if (address === undefined) {
      throw new SkiffError('SKIFF_BAD_REQUEST', `--router-listen ${text} is not IP:PORT or IP:PORT/tls`, { hint: 'e.g. 0.0.0.0:80 and 0.0.0.0:443 (443 is HTTPS)', path: '--router-listen' });
    }
    return address;
  });
  if (addresses.filter((address) => !address.tls).length > 1) {
    throw new SkiffError('SKIFF_BAD_REQUEST', '--router-listen names more than one plain HTTP address', { hint: 'one plain address; the others HTTPS (port 443 or IP:PORT/tls)', path: '--router-listen' });
  }
  return addresses;
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
