/** Helpers for the driver tests: a tiny instance program, free ports, HTTP and polling. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeadState, readProcStat } from '../../core/proc.js';

/**
 * The instance program: an HTTP server on $PORT answering with its pid, environment and (with
 * --spawn-child) the pid of a child it started. Flags: --ignore-term, --spawn-child, --allocate
 * (grows memory 4 MiB per 5 ms, gives up at 1 GiB), --tick (a log line every 2 ms, 20 000 at most).
 */
const serverSource = `
import http from 'node:http';
import { spawn } from 'node:child_process';
const args = process.argv.slice(2);
const has = (flag) => args.includes(flag);
if (has('--ignore-term')) process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
let childPid = null;
if (has('--spawn-child')) {
  childPid = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }).pid;
}
if (has('--allocate')) {
  const chunks = [];
  const timer = setInterval(() => {
    for (let i = 0; i < 4; i++) chunks.push(Buffer.alloc(1 << 20, 1));
    if (chunks.length >= 1024) {
      clearInterval(timer);
      console.log('allocated 1GiB without being stopped');
      process.exit(3);
    }
  }, 5);
}
if (has('--tick')) {
  let n = 0;
  const timer = setInterval(() => {
    n += 1;
    console.log('tick ' + n + ' ' + 'x'.repeat(40));
    if (n >= 20000) clearInterval(timer);
  }, 2);
}
console.log('hello on stdout');
console.error('hello on stderr');
http
  .createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ pid: process.pid, childPid, env: process.env, url: req.url }));
  })
  .listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening on ' + process.env.PORT));
`;

export interface Workspace {
  readonly dir: string;
  readonly serverScript: string;
  readonly logDir: string;
  remove(): Promise<void>;
}

export async function createWorkspace(): Promise<Workspace> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-driver-'));
  const serverScript = join(dir, 'server.mjs');
  await writeFile(serverScript, serverSource);
  return {
    dir,
    serverScript,
    logDir: join(dir, 'logs'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A port nothing listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

export interface InstanceAnswer {
  readonly pid: number;
  readonly childPid: number | null;
  readonly env: Record<string, string>;
}

/** GET http://127.0.0.1:port/ → the instance's answer, or null when nothing answers. */
export function getInstance(port: number, timeoutMs = 1000): Promise<InstanceAnswer | null> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body) as InstanceAnswer);
        } catch {
          resolve(null);
        }
      });
      res.on('error', () => resolve(null));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
    req.end();
  });
}

/** Polls `check` until it returns a value other than undefined/false/null, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  options: { readonly timeoutMs?: number; readonly intervalMs?: number } = {},
): Promise<NonNullable<Exclude<T, false>>> {
  const deadline = Date.now() + (options.timeoutMs ?? 5000);
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== null && value !== false) return value as NonNullable<Exclude<T, false>>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 20));
  }
}

/** Resolves with the promise's value, or rejects when it takes longer than `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Whether a pid names a live (non-zombie) process. */
export async function pidAlive(pid: number): Promise<boolean> {
  const stat = await readProcStat(pid);
  return stat !== null && !isDeadState(stat.state);
}

/** What the control plane passes as every instance's inherited environment. */
export const testBaseEnv: Readonly<Record<string, string>> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/' };
