/**
 * Test helpers that run real processes: the built router process (compiled on demand, only what
 * it imports), the hooks of a test file that runs them, and a minimal HTTP service that exits at
 * once on SIGTERM, dropping whatever it was doing. Not part of the build.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { routerHealth } from '../admin-client.js';
import { waitFor } from '../test-fixtures.js';
import { killRouter } from './router-pids.js';
import { startBackends, type Backends, type Cleanup } from './test-scope.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const routerEntry = join(root, 'dist/main/router-process.js');

async function newestSource(): Promise<number> {
  let newest = 0;
  const kube = ['src/providers/kubernetes/client', 'src/providers/kubernetes/router-feed', 'src/providers/kubernetes/manifests'];
  for (const folder of ['src/router', 'src/router/parallel', 'src/router/fast-path', 'src/core', 'src/edge', 'src/main', ...kube]) {
    for (const name of await readdir(join(root, folder))) {
      if (!name.endsWith('.ts') || name.endsWith('.test.ts')) continue;
      if (folder === 'src/main' && name !== 'router-process.ts') continue;
      newest = Math.max(newest, (await stat(join(root, folder, name))).mtimeMs);
    }
  }
  return newest;
}

/** Compiles only what the router process imports, so other modules' work in progress cannot block it. */
export async function ensureRouterBuilt(workDir: string): Promise<void> {
  const built = await stat(routerEntry).then((s) => s.mtimeMs, () => 0);
  if (built >= (await newestSource())) return;
  const config = join(workDir, 'tsconfig.router.json');
  await writeFile(
    config,
    JSON.stringify({
      extends: join(root, 'tsconfig.build.json'),
      // Type roots are looked up from the config's folder, which is not the repository here.
      compilerOptions: { typeRoots: [join(root, 'node_modules/@types')] },
      files: [join(root, 'src/main/router-process.ts')],
      include: [],
    }),
  );
  await promisify(execFile)(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', config], { cwd: root });
}

export interface ProcessScope {
  /** The test file's scratch folder. */
  readonly dir: string;
  /** Run after each test, the last added first. */
  readonly cleanups: Cleanup[];
  /** Killed (SIGKILL) after each test if they still run; a spawned router with all its processes (successors too). */
  readonly children: ChildProcess[];
  /** Test backends named so (one per name, in order), killed after the test. */
  backends<const Names extends readonly string[]>(...names: Names): Promise<Backends<Names>>;
  /** The router process with its socket and table file in `dir` (default the scratch folder), killed after the test. */
  spawnRouter(extraArgs?: readonly string[], dir?: string): SpawnedRouter;
}

/**
 * Registers the hooks of a test file that runs real processes: before its tests a scratch folder
 * (`prefix`) and the router process built; after each test its cleanups, then whatever still runs
 * killed; the folder removed at the end. Call it once at the file's top level.
 */
export function processScope(prefix: string): ProcessScope {
  let dir: string | undefined;
  const cleanups: Cleanup[] = [];
  const children: ChildProcess[] = [];
  const routers: string[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
    await ensureRouterBuilt(dir);
  }, 120_000);
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    for (const socket of routers.splice(0)) killRouter(socket);
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    }
  });
  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });
  const scratch = (): string => {
    if (dir === undefined) throw new Error('processScope: the scratch folder exists only while the tests run');
    return dir;
  };
  return {
    get dir() {
      return scratch();
    },
    cleanups,
    children,
    backends: (...names) => startBackends(cleanups, ...names),
    spawnRouter(extraArgs = [], routerDir) {
      const spawned = spawnRouter(routerDir ?? scratch(), extraArgs);
      children.push(spawned.child);
      routers.push(spawned.socket);
      return spawned;
    },
  };
}

export interface SpawnedRouter {
  readonly child: ChildProcess;
  readonly socket: string;
  readonly exited: Promise<number | null>;
  output(): string;
  port(): Promise<number>;
}

export function spawnRouter(dir: string, extraArgs: readonly string[] = []): SpawnedRouter {
  const socket = join(dir, 'router.sock');
  const child = spawn(
    process.execPath,
    [routerEntry, '--listen-host', '127.0.0.1', '--port', '0', '--admin-socket', socket, '--table-file', join(dir, 'router-table.json'), ...extraArgs],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  return {
    child,
    socket,
    exited,
    output: () => output,
    port: async () => {
      let port = 0;
      await waitFor(async () => {
        if (child.exitCode !== null) throw new Error(`router exited early:\n${output}`);
        port = (await routerHealth(socket))?.port ?? 0;
        return port > 0;
      }, 15_000, 'the router to answer on its admin socket');
      return port;
    },
  };
}

const abruptService = `
import { createServer } from 'node:http';
const name = process.env.NAME;
const delayMs = Number(process.env.DELAY_MS ?? '0');
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => setTimeout(() => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ backend: name, url: req.url }));
  }, delayMs));
});
// Keep-alive connections stay open on the service's side: only the router may close them in time.
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\\n'));
// No graceful shutdown at all: whatever is in flight is lost.
process.on('SIGTERM', () => process.exit(0));
`;

export interface AbruptService {
  readonly name: string;
  readonly port: number;
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
}

/** A service process answering every request after `delayMs` with `{ backend, url }`, exiting at once on SIGTERM. */
export async function startAbruptService(dir: string, name: string, delayMs: number): Promise<AbruptService> {
  const script = join(dir, 'abrupt-service.mjs');
  await writeFile(script, abruptService);
  const child = spawn(process.execPath, [script], { env: { ...process.env, NAME: name, DELAY_MS: String(delayMs) }, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let port = 0;
  await waitFor(() => {
    if (child.exitCode !== null) throw new Error(`service ${name} exited early`);
    const line = output.split('\n').find((l) => l.startsWith('{'));
    if (line !== undefined) port = (JSON.parse(line) as { port: number }).port;
    return port > 0;
  }, 10_000, `service ${name} to listen`);
  return { name, port, child, exited };
}
