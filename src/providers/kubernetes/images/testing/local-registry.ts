/**
 * A real OCI registry for tests: Debian's `docker-registry` (the distribution registry) on
 * 127.0.0.1, storing in a temp directory, started by the test and stopped by its PID. The engine
 * pushes to it over plain HTTP because loopback registries are insecure-allowed by default.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import type Docker from 'dockerode';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../../local/free-port.js';

export const REGISTRY_BINARY = '/usr/bin/docker-registry';

export interface LocalRegistry {
  /** `127.0.0.1:PORT`. */
  readonly host: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export function registryInstalled(): boolean {
  return existsSync(REGISTRY_BINARY);
}

/**
 * What a suite needing a registry and an engine lacks (empty: it runs). Outside CI it warns
 * loudly that `suite` is skipped; in CI, where .ci/run installs both, it throws.
 */
export function missingForRegistrySuite(suite: string, engine: { readonly reachable: true } | { readonly reachable: false; readonly reason: string }): string[] {
  const missing = [...(registryInstalled() ? [] : [`${REGISTRY_BINARY} (apt-get install docker-registry)`]), ...(engine.reachable ? [] : [`a Docker engine (${engine.reason})`])];
  if (missing.length > 0) {
    if (process.env.CI) throw new Error(`${suite} need ${missing.join(' and ')} in CI`);
    console.warn(`\n!!! SKIPPING ${suite}: missing ${missing.join(' and ')}.\n`);
  }
  return missing;
}

export interface LocalRegistryOptions {
  /** Refuse every push (405). */
  readonly readOnly?: boolean;
  /** Ask for credentials on every request (htpasswd with no users: 401). */
  readonly requireAuth?: boolean;
  /** With `requireAuth`: the users it accepts, by name, with their passwords (bcrypt, by apache2-utils' `htpasswd -B`). */
  readonly users?: Readonly<Record<string, string>>;
}

export const HTPASSWD_BINARY = '/usr/bin/htpasswd';

/** An htpasswd file the registry accepts (it takes bcrypt only). */
function htpasswdFile(users: Readonly<Record<string, string>>): string {
  return Object.entries(users)
    .map(([user, password]) => {
      const made = spawnSync(HTPASSWD_BINARY, ['-nbB', user, password], { encoding: 'utf8' });
      if (made.status !== 0) throw new Error(`${HTPASSWD_BINARY} failed (apt-get install apache2-utils): ${made.stderr || made.error?.message}`);
      return made.stdout.trim();
    })
    .join('\n');
}

function registryConfig(addr: string, dir: string, options: LocalRegistryOptions): string {
  return [
    'version: 0.1',
    'log: { level: error }',
    'storage:',
    `  filesystem: { rootdirectory: ${JSON.stringify(path.join(dir, 'storage'))} }`,
    `  maintenance: { readonly: { enabled: ${options.readOnly ?? false} }, uploadpurging: { enabled: false } }`,
    `http: { addr: ${JSON.stringify(addr)} }`,
    ...(options.requireAuth ? [`auth: { htpasswd: { realm: skiff-test, path: ${JSON.stringify(path.join(dir, 'htpasswd'))} } }`] : []),
    '',
  ].join('\n');
}

async function answers(host: string): Promise<boolean> {
  try {
    const response = await fetch(`http://${host}/v2/`, { signal: AbortSignal.timeout(1000) });
    return response.ok || response.status === 401;
  } catch {
    return false;
  }
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts a registry and waits (at most 20 s) until its API answers. */
export async function startLocalRegistry(options: LocalRegistryOptions = {}): Promise<LocalRegistry> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'skiff-registry-'));
  const host = `127.0.0.1:${await freePort(new Set())}`;
  const config = path.join(dir, 'config.yml');
  await writeFile(path.join(dir, 'htpasswd'), options.users ? `${htpasswdFile(options.users)}\n` : '');
  await writeFile(config, registryConfig(host, dir, options));
  let output = '';
  const child = spawn(REGISTRY_BINARY, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const pid = child.pid;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null && pid !== undefined) process.kill(pid, 'SIGTERM');
    await exited(child);
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  for (let attempt = 0; !(await answers(host)); attempt++) {
    if (child.exitCode !== null || Date.now() > deadline || attempt > 400) {
      await stop();
      throw new Error(`the registry did not answer at ${host}:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { host, pid: pid as number, stop };
}

/** Removes the engine's images named under the given registry hosts (only the registries a test started). */
export async function removeImagesOf(docker: Docker, registryHosts: readonly string[]): Promise<void> {
  const named = (name: string): boolean => registryHosts.some((host) => name.startsWith(`${host}/`));
  for (const image of await docker.listImages()) {
    if ([...(image.RepoTags ?? []), ...(image.RepoDigests ?? [])].some(named)) await docker.getImage(image.Id).remove({ force: true }).catch(() => undefined);
  }
}
