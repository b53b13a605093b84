/**
 * The clustered router process (2 workers) with the control plane's rollout calls: draining an
 * instance across every worker before it is signalled, and the parallel-run report summed over
 * the workers.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { drainBackends, fetchParallelReport, publishRouteTable, resetParallel, routerHealth } from './admin-client.js';
import { route, startBackend, table, TestClient, waitFor } from './test-fixtures.js';
import { processScope, startAbruptService, type SpawnedRouter } from './testing/processes.js';

const scope = processScope('skiff-router-workers-');
const { cleanups, children } = scope;

let routers = 0;

async function router(): Promise<SpawnedRouter> {
  const own = join(scope.dir, `router-${++routers}`);
  await mkdir(own);
  return scope.spawnRouter(['--workers', '2'], own);
}

describe('clustered router', () => {
  it('drains an instance in every worker so a service that exits at once on SIGTERM loses no request', async () => {
    const [a, b] = await Promise.all([startAbruptService(scope.dir, 'a', 15), startAbruptService(scope.dir, 'b', 15)]);
    children.push(a.child, b.child);
    const r = await router();
    const port = await r.port();
    const backendOf = (service: typeof a): { id: string; release: string; host: string; port: number } => ({ id: service.name, release: 'v1', host: '127.0.0.1', port: service.port });
    await publishRouteTable(r.socket, table(1, [route({ balance: 'round-robin', backends: [backendOf(a), backendOf(b)] })]));
    const client = new TestClient(`http://127.0.0.1:${port}`);
    cleanups.push(() => client.close());

    // POSTs are never retried by the router: any request the dying instance drops is a failure here.
    let okBefore = 0;
    let okAfter = 0;
    let answeredByA = 0;
    const failures: string[] = [];
    let drained: Promise<Awaited<ReturnType<typeof drainBackends>>> | undefined;
    let signalled = false;
    const deadline = Date.now() + 20_000;
    const load = async (lane: number): Promise<void> => {
      for (let i = 0; i < 2_000 && Date.now() < deadline && okAfter < 300; i++) {
        try {
          const answer = await client.send(`/orders/${lane}-${i}`, { method: 'POST', body: '{"qty":1}', headers: { 'content-type': 'application/json' } });
          if (answer.status !== 200) failures.push(`${answer.status} ${answer.text}`);
          else if (signalled) okAfter++;
          else okBefore++;
          if (answer.status === 200 && answer.json<{ backend: string }>().backend === 'a') answeredByA++;
        } catch (err) {
          failures.push(String(err));
        }
        if (okBefore >= 100 && drained === undefined) {
          drained = (async () => {
            await publishRouteTable(r.socket, table(2, [route({ balance: 'round-robin', backends: [backendOf(b)] })]));
            const result = await drainBackends(r.socket, [{ host: '127.0.0.1', port: a.port }], 10_000);
            // Signalled the moment the drain returns, as the supervisor does.
            process.kill(a.child.pid!, 'SIGTERM');
            signalled = true;
            return result;
          })();
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, lane) => load(lane)));
    const result = await drained;
    await a.exited;

    expect(failures).toEqual([]);
    expect(result).toMatchObject({ drained: true, inFlight: 0 });
    expect(answeredByA).toBeGreaterThan(10);
    expect(okAfter).toBeGreaterThanOrEqual(300);
  });

  it('tells in its health which workers accept connections: a killed one leaves the list until its replacement listens', async () => {
    const r = await router();
    await r.port();
    const listening = async (): Promise<readonly number[]> => (await routerHealth(r.socket))?.workers?.listening ?? [];
    await waitFor(async () => (await listening()).length === 2, 10_000, 'both workers to listen');
    expect((await routerHealth(r.socket))?.workers?.wanted).toBe(2);
    const [victim, survivor] = (await listening()) as [number, number];
    process.kill(victim, 'SIGKILL');
    await waitFor(async () => {
      const now = await listening();
      return !now.includes(victim) && now.length === 2;
    }, 20_000, 'a replacement worker to listen');
    expect(await listening()).toContain(survivor);
  });

  it('sums the parallel-run counts of both workers and resets them', async () => {
    const [a, b, c] = await Promise.all([startBackend('a'), startBackend('b'), startBackend('c')]);
    cleanups.push(() => a.kill(), () => b.kill(), () => c.kill());
    const r = await router();
    const port = await r.port();
    await publishRouteTable(
      r.socket,
      table(1, [
        route({
          mirror: { candidateRelease: 'v2', percent: 100, methods: ['GET'], compareHeaders: [], ignoreFields: [] },
          backends: [a.asRouteBackend('v1'), b.asRouteBackend('v1'), c.asRouteBackend('v2')],
        }),
      ]),
    );
    // Separate connections so both workers get some of the requests.
    const clients = Array.from({ length: 6 }, () => new TestClient(`http://127.0.0.1:${port}`));
    for (const client of clients) cleanups.push(() => client.close());
    // Six lanes of ten requests each: at most 12 copies in flight, well under the bound of 64 per worker.
    const served: string[] = [];
    await Promise.all(
      clients.map(async (client, lane) => {
        for (let i = 0; i < 10; i++) served.push((await client.send(`/items/${(lane + i) % 3}`)).json<{ backend: string }>().backend);
      }),
    );
    expect(served.filter((name) => name === 'c')).toEqual([]);
    expect(served).toHaveLength(60);

    let last: unknown;
    await waitFor(async () => {
      last = await fetchParallelReport(r.socket);
      return (last as Awaited<ReturnType<typeof fetchParallelReport>>).routes[0]?.compared === 60;
    }, 15_000, 'every copy compared').catch((err: Error) => {
      throw new Error(`${err.message}; last report: ${JSON.stringify(last)}`);
    });
    const [report] = (await fetchParallelReport(r.socket)).routes;
    // Every answer names its instance: a difference between the two trusted instances as well, so noise only.
    expect(report).toMatchObject({ route: 'dev/app/0', candidateRelease: 'v2', mirrored: 60, compared: 60, matched: 60, matchRate: 1, noiseKeys: ['body:backend'] });
    expect(report!.noiseCompared).toBe(60);
    expect(report!.endpoints.map((e) => e.endpoint).sort()).toEqual(['GET /items/0', 'GET /items/1', 'GET /items/2']);

    await resetParallel(r.socket, 'dev/app/0');
    expect((await fetchParallelReport(r.socket)).routes).toEqual([]);
  });
});
