/** Test harness: runs the real `skiff up` from dist as a child process on free ports. */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const skiffBin = path.join(repoRoot, 'bin', 'skiff.js');
export const echoServer = path.join(repoRoot, 'test', 'fixtures', 'echo', 'server.mjs');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export function tempDir(prefix = 'skiff-e2e-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function waitFor<T>(what: string, check: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

export interface InstanceJson {
  id: string;
  service: string;
  environment: string;
  release: string;
  state: string;
  pid: number | null;
  port: number | null;
  restarts: number;
}

export interface Platform {
  readonly apiUrl: string;
  readonly routerUrl: string;
  readonly dataDir: string;
  readonly specDir: string;
  readonly output: () => string;
  /** The local admin token `skiff up` wrote to `<dataDir>/token`. */
  readonly token: string;
  /** `fetch` of an API path (`/api/v1/…`) with the admin token, or with `init.headers.authorization` when given. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  process: ChildProcess;
  status(env?: string): Promise<{ services: { name: string; desired: number; ready: number }[]; instances: InstanceJson[] }>;
  /** `input`: what the command reads on its standard input. */
  cli(args: string[], env?: Record<string, string>, input?: string): { code: number; stdout: string; stderr: string };
  /** `cli` without waiting: for killing the control plane while a command is under way. */
  cliAsync(args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Starts `skiff up` again on the same data directory and ports (after a kill). */
  restart(): Promise<void>;
  /** Starts `skiff up` again and waits for it to exit (a start it refuses); its exit code and output. */
  restartRefused(timeoutMs?: number): Promise<{ code: number | null; output: string }>;
  stop(): Promise<void>;
  /** Sends SIGKILL to the control plane only. */
  kill(): Promise<void>;
}

/** `dataDir`: an existing directory to use (it is emptied, not removed, at stop); a new temporary one when not given. */
/** `upEnv`: variables added to the environment of `skiff up`. */
/** `startTimeoutMs`: how long `skiff up` may take to answer (60 s; more when its first apply starts a cluster environment). */
export async function startPlatform(options: { spec: string; files?: Record<string, string>; env?: string; dataDir?: string; upEnv?: Record<string, string>; startTimeoutMs?: number }): Promise<Platform> {
  const specDir = tempDir('skiff-spec-');
  fs.writeFileSync(path.join(specDir, 'skiff.yaml'), options.spec);
  for (const [name, content] of Object.entries(options.files ?? {})) {
    fs.mkdirSync(path.dirname(path.join(specDir, name)), { recursive: true });
    fs.writeFileSync(path.join(specDir, name), content);
  }
  const dataDir = options.dataDir ?? tempDir('skiff-data-');
  const apiPort = await freePort();
  const routerPort = await freePort();
  let output = '';
  const launch = (): ChildProcess => {
    const child = spawn(
      process.execPath,
      [skiffBin, 'up', specDir, '--data', dataDir, '--api-port', String(apiPort), '--router-port', String(routerPort), ...(options.env ? ['--env', options.env] : [])],
      { stdio: ['ignore', 'pipe', 'pipe'], ...(options.upEnv ? { env: { ...process.env, ...options.upEnv } } : {}) },
    );
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    return child;
  };
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const env = options.env ?? 'dev';
  const platform: Platform = {
    apiUrl,
    routerUrl: `http://127.0.0.1:${routerPort}`,
    dataDir,
    specDir,
    output: () => output,
    get token() {
      return fs.readFileSync(path.join(dataDir, 'token'), 'utf8').trim();
    },
    fetch(apiPath, init = {}) {
      const headers = new Headers(init.headers);
      if (!headers.has('authorization')) headers.set('authorization', `Bearer ${platform.token}`);
      return fetch(`${apiUrl}${apiPath}`, { ...init, headers });
    },
    process: launch(),
    async status(environment = env) {
      const response = await platform.fetch(`/api/v1/environments/${environment}/status`);
      if (!response.ok) throw new Error(`status ${response.status}: ${await response.text()}`);
      return (await response.json()) as Awaited<ReturnType<Platform['status']>>;
    },
    cli(args, extraEnv = {}, input) {
      const result = spawnSync(process.execPath, [skiffBin, ...args], {
        env: { ...process.env, SKIFF_API: apiUrl, SKIFF_DATA: dataDir, ...extraEnv },
        ...(input === undefined ? {} : { input }),
        encoding: 'utf8',
        cwd: specDir,
        timeout: 60_000,
      });
      return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
    },
    cliAsync(args) {
      const child = spawn(process.execPath, [skiffBin, ...args], {
        env: { ...process.env, SKIFF_API: apiUrl, SKIFF_DATA: dataDir },
        cwd: specDir,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      return new Promise((resolve) => child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr })));
    },
    async restart() {
      platform.process = launch();
      await waitForApi(apiUrl, platform);
    },
    async restartRefused(timeoutMs = 30_000) {
      const before = output.length;
      const child = launch();
      platform.process = child;
      const code = await new Promise<number | null>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`skiff up did not exit within ${timeoutMs} ms: ${output.slice(before)}`)), timeoutMs);
        child.once('exit', (exitCode) => {
          clearTimeout(timer);
          resolve(exitCode);
        });
      });
      return { code, output: output.slice(before) };
    },
    async kill() {
      const child = platform.process;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      const child = platform.process;
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(specDir, { recursive: true, force: true });
      if (options.dataDir === undefined) fs.rmSync(dataDir, { recursive: true, force: true });
      else for (const entry of fs.readdirSync(dataDir)) fs.rmSync(path.join(dataDir, entry), { recursive: true, force: true });
    },
  };
  try {
    await waitForApi(apiUrl, platform, options.startTimeoutMs);
  } catch (error) {
    // Nobody holds this platform to stop it: what it started must not outlive the test.
    await platform.stop();
    throw error;
  }
  return platform;
}

async function waitForApi(apiUrl: string, platform: Platform, timeoutMs = 60_000): Promise<void> {
  await waitFor(`the API at ${apiUrl} (output so far: ${platform.output()})`, async () => {
    if (platform.process.exitCode !== null) throw new Error(`skiff up exited: ${platform.output()}`);
    return (await fetch(`${apiUrl}/api/v1/health`)).ok;
    // A loaded machine (several suites at once) takes its time to start a Node process.
  }, timeoutMs);
}

export async function waitForReady(platform: Platform, counts: Record<string, number>, timeoutMs = 30_000): Promise<InstanceJson[]> {
  const status = await waitFor(
    `ready instances ${JSON.stringify(counts)}`,
    async () => {
      const status = await platform.status();
      const ok = Object.entries(counts).every(
        ([service, count]) => status.instances.filter((i) => i.service === service && i.state === 'ready').length === count &&
          status.instances.filter((i) => i.service === service).length === count,
      );
      return ok ? status : null;
    },
    timeoutMs,
  );
  return status.instances;
}

/**
 * Waits until the router answers from every one of `instances`: an instance is ready in the API
 * a moment before the routing table that includes it reaches the router.
 */
export async function waitForRouted(platform: Platform, path: string, instances: readonly InstanceJson[]): Promise<void> {
  const seen = new Set<string>();
  await waitFor(`the router to answer ${path} from ${instances.map((i) => i.id).join(', ')}`, async () => {
    const response = await fetch(`${platform.routerUrl}${path}`);
    if (response.ok) seen.add(((await response.json()) as { instance: string }).instance);
    else await response.body?.cancel();
    return instances.every((instance) => seen.has(instance.id));
  });
}

export function isAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

export interface LoadResult {
  total: number;
  failed: number;
  failures: string[];
  byInstance: Record<string, number>;
}

/** A load's result with its longest outage as the client saw it. */
export interface TimedLoadResult extends LoadResult {
  /** The longest time without a 200 answer: from the start to the first, between two, from the last to the end. */
  longestGapMs: number;
  /** GETs sent a second time after their kept-alive connection was reset (with `retryResets`). */
  retried: number;
}

/** A kept-alive connection reset under a GET: a client may send it again (RFC 9110, 9.2.2). */
const resetCodes = new Set(['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE']);

/**
 * A bounded load: `connections` concurrent keep-alive GET loops for `durationMs`, at most
 * `maxRequests`, or until `signal` aborts. With `retryResets`, a GET whose connection was reset
 * is sent once more, as HTTP clients do for idempotent requests.
 */
export async function runLoad(
  url: string,
  options: { durationMs: number; connections?: number; maxRequests?: number; signal?: AbortSignal; retryResets?: boolean },
): Promise<TimedLoadResult> {
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections: options.connections ?? 4 });
  const result: TimedLoadResult = { total: 0, failed: 0, failures: [], byInstance: {}, longestGapMs: 0, retried: 0 };
  const get = async (): Promise<{ statusCode: number; text: string }> => {
    const send = async () => {
      const response = await pool.request({ method: 'GET', path: target.pathname + target.search, headersTimeout: 5000, bodyTimeout: 5000 });
      return { statusCode: response.statusCode, text: await response.body.text() };
    };
    try {
      return await send();
    } catch (error) {
      if (!options.retryResets || !resetCodes.has((error as { code?: string }).code ?? '')) throw error;
      result.retried += 1;
      return send();
    }
  };
  const deadline = Date.now() + options.durationMs;
  let lastAnswerAt = Date.now();
  const answered = (): void => {
    const now = Date.now();
    result.longestGapMs = Math.max(result.longestGapMs, now - lastAnswerAt);
    lastAnswerAt = now;
  };
  const max = options.maxRequests ?? 200_000;
  const loop = async (): Promise<void> => {
    while (Date.now() < deadline && result.total < max && !options.signal?.aborted) {
      result.total += 1;
      try {
        const response = await get();
        const text = response.text;
        if (response.statusCode !== 200) {
          result.failed += 1;
          if (result.failures.length < 10) result.failures.push(`${response.statusCode} ${text.slice(0, 200)}`);
        } else {
          answered();
          const instance = (JSON.parse(text) as { instance?: string }).instance ?? '?';
          result.byInstance[instance] = (result.byInstance[instance] ?? 0) + 1;
        }
      } catch (error) {
        result.failed += 1;
        if (result.failures.length < 10) result.failures.push(String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: options.connections ?? 4 }, loop));
  result.longestGapMs = Math.max(result.longestGapMs, Date.now() - lastAnswerAt);
  await pool.close();
  return result;
}

export function echoSpec(
  options: { instances?: number; extra?: string; greeting?: string; livenessFailures?: number; abruptExit?: boolean; ignoreTerm?: boolean; stopGrace?: string } = {},
): string {
  return `name: test
services:
  echo:
    path: .
    start: [node, ${JSON.stringify(echoServer)}]
    instances: ${options.instances ?? 2}
    env:
      GREETING: ${options.greeting ?? 'hello'}
      ABRUPT_EXIT: "${options.abruptExit ? '1' : '0'}"
      IGNORE_TERM: "${options.ignoreTerm ? '1' : '0'}"
    readiness:
      http: /health
      interval: 200ms
      failureThreshold: 2
    liveness:
      http: /health
      interval: 200ms
      failureThreshold: ${options.livenessFailures ?? 3}
    stopGrace: ${options.stopGrace ?? '2s'}
    routes:
      - path: /echo
        stripPrefix: true
${options.extra ?? ''}environments:
  dev: {}
`;
}

/** `echoSpec` with a second environment, `cluster`, on the kubernetes provider. */
export function echoSpecWithCluster(options: Parameters<typeof echoSpec>[0] = {}): string {
  return echoSpec(options).replace('environments:\n  dev: {}\n', 'environments:\n  dev: {}\n  cluster:\n    provider: kubernetes\n    registry: 127.0.0.1:5000/skiff\n');
}

/**
 * A built echo service in dev, staging and production, each environment with its own GREETING
 * and its own router port; `extra` is appended (e.g. `pipelines:`).
 */
export function threeEnvironmentSpec(ports: { staging: number; production: number }, extra = '', serviceExtra = ''): string {
  return `name: shop
services:
  echo:
    path: svc
    start: [node, server.mjs]
    build: {}
    env: { GREETING: hello }
    readiness: { http: /health, interval: 200ms }
${serviceExtra}    routes: [{ path: /echo, stripPrefix: true }]
environments:
  dev:
    services: { echo: { env: { GREETING: dev } } }
  staging:
    routerPort: ${ports.staging}
    services: { echo: { env: { GREETING: staging } } }
  production:
    routerPort: ${ports.production}
    services: { echo: { env: { GREETING: production } } }
${extra}`;
}

/** The JSON answer of a URL, or null when it does not answer 200. */
export async function answer(url: string): Promise<{ greeting: string; instance: string } | null> {
  try {
    const response = await fetch(url);
    return response.ok ? ((await response.json()) as { greeting: string; instance: string }) : null;
  } catch {
    return null;
  }
}
