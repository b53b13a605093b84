/**
 * The real router process, built to dist and spawned with node: publish through the admin
 * socket, survive a backend dying under load, restart from the table file, refuse old tables.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm, stat, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fetchRouterMetrics, publishRouteTable, routerHealth } from '../router/admin-client.js';
import { metricValue, route, startBackend, table, TestClient, waitFor, type TestBackend } from '../router/test-fixtures.js';

/** Live child processes of `pid` (the router's workers). */
function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const name of readdirSyncSafe('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === pid && fields[0] !== 'Z') found.push(Number(name));
    } catch {
      // Exited meanwhile.
    }
  }
  return found;
}

function readdirSyncSafe(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const entry = join(root, 'dist/main/router-process.js');

async function newestSource(): Promise<number> {
  let newest = 0;
  for (const folder of ['src/router', 'src/router/fast-path', 'src/core', 'src/main']) {
    for (const name of await readdir(join(root, folder))) {
      if (!name.endsWith('.ts') || name.endsWith('.test.ts')) continue;
      if (folder === 'src/main' && name !== 'router-process.ts') continue;
      newest = Math.max(newest, (await stat(join(root, folder, name))).mtimeMs);
    }
  }
  return newest;
}

/** Compiles only what the router process imports, so other modules' work in progress cannot block it. */
async function ensureBuilt(workDir: string): Promise<void> {
  const built = await stat(entry).then((s) => s.mtimeMs, () => 0);
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

interface RouterProcess {
  readonly child: ChildProcess;
  readonly socket: string;
  readonly exited: Promise<number | null>;
  output(): string;
  port(): Promise<number>;
}

let dir: string;
const children: ChildProcess[] = [];
const cleanups: (() => Promise<unknown>)[] = [];

function spawnRouter(extraArgs: readonly string[] = []): RouterProcess {
  const socket = join(dir, 'router.sock');
  const child = spawn(
    process.execPath,
    [entry, '--listen-host', '127.0.0.1', '--port', '0', '--admin-socket', socket, '--table-file', join(dir, 'router-table.json'), ...extraArgs],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
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
      }, 10_000, 'the router to answer on its admin socket');
      return port;
    },
  };
}

async function stop(router: RouterProcess): Promise<number | null> {
  if (router.child.exitCode === null && router.child.pid !== undefined) process.kill(router.child.pid, 'SIGTERM');
  return router.exited;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-router-proc-'));
  await ensureBuilt(dir);
}, 120_000);

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function backends(...names: string[]): Promise<TestBackend[]> {
  const started = await Promise.all(names.map((name) => startBackend(name)));
  for (const backend of started) cleanups.push(() => backend.kill());
  return started;
}

describe('router process', () => {
  it('routes a published table, loses no GET when a backend dies, and restarts from its table file', async () => {
    const [a, b] = await backends('a', 'b');
    const first = spawnRouter();
    const port = await first.port();
    const client = new TestClient(`http://127.0.0.1:${port}`);
    cleanups.push(() => client.close());

    await publishRouteTable(first.socket, table(1, [route({ balance: 'least-request', backends: [a!.asRouteBackend(), b!.asRouteBackend()] })]));
    expect((await client.send('/')).status).toBe(200);

    // GETs flow from 4 concurrent clients; backend a dies part-way through.
    let ok = 0;
    let okAfterKill = 0;
    const failures: string[] = [];
    let killed: Promise<void> | undefined;
    const deadline = Date.now() + 10_000;
    const worker = async (): Promise<void> => {
      for (let i = 0; i < 500 && Date.now() < deadline && okAfterKill < 200; i++) {
        try {
          const answer = await client.send(`/work/${i}`);
          if (answer.status !== 200) failures.push(`${answer.status} ${answer.text}`);
          else if (killed) okAfterKill++;
          else ok++;
        } catch (err) {
          failures.push(String(err));
        }
        if (ok >= 60 && !killed) killed = a!.kill();
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    await killed;

    expect(failures).toEqual([]);
    expect(killed).toBeDefined();
    expect(okAfterKill).toBeGreaterThanOrEqual(200);
    expect(a!.seen.length).toBeGreaterThan(0);

    expect(await stop(first)).toBe(0);

    // No publish: the restarted router routes with the table file at once.
    const second = spawnRouter();
    const secondPort = await second.port();
    expect((await routerHealth(second.socket))?.version).toBe(1);
    const again = new TestClient(`http://127.0.0.1:${secondPort}`);
    cleanups.push(() => again.close());
    const answer = await again.send('/after-restart');
    expect(answer.status).toBe(200);
    expect(answer.json()).toMatchObject({ backend: 'b' });

    // SIGTERM lets a request in flight finish before the process exits.
    const slow = again.send('/slow', { headers: { 'x-hold': '1' } });
    await waitFor(() => b!.heldCount() === 1, 5_000, 'the slow request to reach b');
    process.kill(second.child.pid!, 'SIGTERM');
    await waitFor(async () => (await routerHealth(second.socket)) === null, 5_000, 'the admin socket to close');
    b!.releaseHeld();
    expect((await slow).status).toBe(200);
    expect(await second.exited).toBe(0);
  });

  it('refuses an older table version with 409, survives SIGKILL, and logs JSON lines', async () => {
    const killed = spawnRouter();
    await killed.port();
    await publishRouteTable(killed.socket, table(10, []));
    await expect(publishRouteTable(killed.socket, table(9, []))).rejects.toMatchObject({ code: 'SKIFF_ROUTE_TABLE_STALE' });
    process.kill(killed.child.pid!, 'SIGKILL');
    await killed.exited;

    // The killed router left its socket file behind; the new one replaces it and keeps version 10.
    const router = spawnRouter();
    await router.port();
    expect((await routerHealth(router.socket))?.version).toBe(10);
    await expect(publishRouteTable(router.socket, table(9, []))).rejects.toMatchObject({ code: 'SKIFF_ROUTE_TABLE_STALE' });
    expect(await stop(router)).toBe(0);

    const lines = router.output().trim().split('\n').map((line) => JSON.parse(line) as { msg: string });
    expect(lines.map((line) => line.msg)).toEqual(expect.arrayContaining(['routing with the table file', 'router listening', 'router stopped']));
  });

  it('runs workers behind one admin socket: sums their metrics, replaces a dead worker, fans tables out', async () => {
    const [a, b] = await backends('a', 'b');
    const router = spawnRouter(['--workers', '2']);
    const port = await router.port();
    const pid = router.child.pid!;
    expect((await routerHealth(router.socket))?.pid).toBe(pid);
    await waitFor(() => childrenOf(pid).length === 2, 5_000, 'two workers');

    await publishRouteTable(router.socket, table(20, [route({ backends: [a!.asRouteBackend()] })]));
    const client = new TestClient(`http://127.0.0.1:${port}`);
    cleanups.push(() => client.close());
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => client.send(`/n/${i}`)));
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    const labels = 'route="dev/app/0",service="app",environment="dev",release="v1"';
    expect(metricValue(await fetchRouterMetrics(router.socket), `skiff_router_requests_total{${labels}}`)).toBe(40);

    const [victim] = childrenOf(pid);
    process.kill(victim!, 'SIGKILL');
    await waitFor(() => {
      const workers = childrenOf(pid);
      return workers.length === 2 && !workers.includes(victim!);
    }, 10_000, 'a replacement worker');

    // A table published now reaches every worker, the replacement included, before the publish returns.
    await publishRouteTable(router.socket, table(21, [route({ backends: [b!.asRouteBackend()] })]));
    const fresh = new TestClient(`http://127.0.0.1:${port}`);
    cleanups.push(() => fresh.close());
    const after = await Promise.all(Array.from({ length: 20 }, (_, i) => fresh.send(`/m/${i}`)));
    expect(after.map((answer) => answer.json<{ backend: string }>().backend)).toEqual(Array(20).fill('b'));
    expect(await stop(router)).toBe(0);
    expect(childrenOf(pid)).toEqual([]);
  });
});
