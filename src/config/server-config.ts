/** The only reader of process.env for the server: validated, frozen settings for `skiff up`. */
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
  /** What every instance inherits from this machine's environment. */
  readonly instanceBaseEnv: Readonly<Record<string, string>>;
  /** DOCKER_HOST: the Docker engine for docker services; unset means /var/run/docker.sock. */
  readonly dockerHost: string | undefined;
}

export interface ServerFlags {
  readonly dir?: string | undefined;
  readonly env?: string | undefined;
  readonly dataDir?: string | undefined;
  readonly apiPort?: number | undefined;
  readonly routerPort?: number | undefined;
}

export const defaultApiPort = 7070;
export const defaultRouterPort = 8080;
export const defaultEnvironment = 'dev';
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
    instanceBaseEnv: Object.freeze(pick(env, ['PATH', 'HOME', 'LANG'])),
    dockerHost: env.DOCKER_HOST === '' ? undefined : env.DOCKER_HOST,
  });
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
