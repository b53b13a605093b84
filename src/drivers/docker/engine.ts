/**
 * The connection to the Docker engine. dockerode talks to the engine's HTTP API without a
 * version prefix, so the engine answers with its own API version: a newer client library works
 * with Debian's 20.10 engine.
 */
import { existsSync } from 'node:fs';
import Docker from 'dockerode';
import { SkiffError } from '../../core/errors.js';

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

export interface EngineAddress {
  /** `unix:///path/docker.sock` or `tcp://host:port`, as in DOCKER_HOST. */
  readonly dockerHost?: string;
}

export type EngineStatus =
  | { readonly reachable: true; readonly version: string; readonly apiVersion: string }
  | { readonly reachable: false; readonly reason: string };

/** Where the engine is expected, for messages. */
export function describeEngine(address: EngineAddress): string {
  return address.dockerHost ?? `unix://${DEFAULT_DOCKER_SOCKET} (or DOCKER_HOST, when set)`;
}

/**
 * A client for the engine at `dockerHost`. Without one, dockerode's defaults apply: DOCKER_HOST
 * when the environment has it, else /var/run/docker.sock. Creates no connection yet.
 */
export function connectEngine(address: EngineAddress): Docker {
  const host = address.dockerHost;
  if (host === undefined || host === '') return new Docker();
  if (host.startsWith('unix://')) return new Docker({ socketPath: host.slice('unix://'.length) });
  const url = new URL(host.replace(/^tcp:/, 'http:'));
  return new Docker({ host: url.hostname, port: Number(url.port || 2375), protocol: url.protocol === 'https:' ? 'https' : 'http' });
}

/**
 * A quick guess without network I/O, for the capabilities before the first ping: a missing
 * socket file means no engine. (Without an explicit address, DOCKER_HOST read by dockerode may
 * still name one; the ping corrects the guess.)
 */
export function engineSocketMissing(address: EngineAddress): boolean {
  const host = address.dockerHost;
  if (host === undefined || host === '') return !existsSync(DEFAULT_DOCKER_SOCKET);
  return host.startsWith('unix://') && !existsSync(host.slice('unix://'.length));
}

export function engineUnavailableError(address: EngineAddress, reason: string): SkiffError {
  return new SkiffError('SKIFF_DOCKER_UNAVAILABLE', `no Docker engine is reachable at ${describeEngine(address)}: ${reason}`, {
    hint:
      'start the engine (`dockerd`, or install Debian\'s docker.io), or point DOCKER_HOST at a running one ' +
      '(unix:///var/run/docker.sock or tcp://host:2375); process services keep working without it',
  });
}

/** Pings the engine; never throws. */
export async function probeEngine(docker: Docker, timeoutMs = 2000): Promise<EngineStatus> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    // dockerode accepts an abort signal here; its types do not say so.
    const withSignal = docker.version as unknown as (options: { abortSignal: AbortSignal }) => Promise<Docker.DockerVersion>;
    const version = await withSignal.call(docker, { abortSignal: abort.signal });
    return { reachable: true, version: version.Version, apiVersion: version.ApiVersion };
  } catch (error) {
    const reason = abort.signal.aborted ? `no answer within ${timeoutMs} ms` : (error as Error).message;
    return { reachable: false, reason };
  } finally {
    clearTimeout(timer);
  }
}

/** The HTTP status of an engine error (dockerode puts it in `statusCode`), or undefined. */
export function engineStatusCode(error: unknown): number | undefined {
  const code = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}
