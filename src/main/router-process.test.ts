/**
 * The real router process, built to dist and spawned with node: publish through the admin
 * socket, survive a backend dying under load, restart from the table file, refuse old tables.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fetchRouterMetrics, publishRouteTable, routerHealth } from '../router/admin-client.js';
import { metricValue, route, table, TestClient, waitFor } from '../router/test-fixtures.js';
import { processScope, type SpawnedRouter } from '../router/testing/processes.js';

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

const { cleanups, backends, spawnRouter } = processScope('skiff-router-proc-');

async function stop(router: SpawnedRouter): Promise<number | null> {
  if (router.child.exitCode === null && router.child.pid !== undefined) process.kill(router.child.pid, 'SIGTERM');
  return router.exited;
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
    // One process: a clustered router's workers would start a successor (router/cluster-crash.test.ts).
    const killed = spawnRouter(['--workers', '0']);
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
