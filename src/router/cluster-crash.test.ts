/**
 * The clustered router process under load when one of its processes is killed with SIGKILL:
 * a worker (the others keep serving, a replacement comes up) and the primary (its workers keep
 * serving while a successor primary takes the listening socket and the admin socket over, then
 * they drain and exit). Idempotent GETs flow all along and none may fail; after the primary's
 * death none may even need the client's retry after a reset.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { publishRouteTable, routerHealth } from './admin-client.js';
import { route, table, waitFor } from './test-fixtures.js';
import { formatFigures, startLoad, type LoadFigures, type LoadLoop } from './testing/load-loop.js';
import { processScope, type SpawnedRouter } from './testing/processes.js';
import { routerPids } from './testing/router-pids.js';

const scope = processScope('skiff-router-crash-');

const load = { concurrency: 4, maxRequests: 20_000, maxMs: 30_000 } as const;

/** A router with two workers in its own folder (the scope kills its every process, successors too) under load. */
async function routerUnderLoad(name: string): Promise<{ router: SpawnedRouter; port: number; loop: LoadLoop }> {
  const [a] = await scope.backends('a');
  const dir = join(scope.dir, name);
  await mkdir(dir, { recursive: true });
  const router = scope.spawnRouter(['--workers', '2'], dir);
  const port = await router.port();
  await publishRouteTable(router.socket, table(1, [route({ backends: [a!.asRouteBackend()] })]));
  await waitFor(() => routerPids(router.socket).workers.length === 2, 5_000, 'two workers');
  const loop = startLoad(`http://127.0.0.1:${port}`, load);
  scope.cleanups.push(() => loop.stop());
  await waitFor(() => loop.answered >= 200, 10_000, '200 answers before the kill');
  return { router, port, loop };
}

/** Lets 300 more answers through, then stops the load and prints its figures. */
async function finish(what: string, loop: LoadLoop): Promise<LoadFigures> {
  const at = loop.answered;
  await waitFor(() => loop.answered >= at + 300, 10_000, `300 answers after the ${what}`);
  const figures = await loop.stop();
  process.stdout.write(`${what}: ${formatFigures(figures)}\n`);
  return figures;
}

describe('router process crash', () => {
  it('loses no GET when a worker is killed with SIGKILL under load', async () => {
    const { router, loop } = await routerUnderLoad('worker-kill');
    const [victim] = routerPids(router.socket).workers;
    process.kill(victim!, 'SIGKILL');
    await waitFor(() => {
      const { workers } = routerPids(router.socket);
      return workers.length === 2 && !workers.includes(victim!);
    }, 10_000, 'a replacement worker');
    const figures = await finish('worker SIGKILL', loop);

    expect(figures.failures).toEqual([]);
    expect(figures.failed).toBe(0);
  });

  it('keeps serving when the primary is killed with SIGKILL, and one successor takes over', async () => {
    const { router, port, loop } = await routerUnderLoad('primary-kill');
    const oldPrimary = router.child.pid!;
    const oldWorkers = routerPids(router.socket).workers;
    process.kill(oldPrimary, 'SIGKILL');

    let successor = 0;
    await waitFor(async () => {
      const health = await routerHealth(router.socket, 500);
      successor = health !== null && health.pid !== oldPrimary ? health.pid : 0;
      return successor > 0 && health?.version === 1 && health.port === port;
    }, 15_000, 'a successor primary on the admin socket');
    await waitFor(() => routerPids(router.socket).workers.every((pid) => !oldWorkers.includes(pid)), 15_000, 'the old workers to drain and exit');
    const figures = await finish('primary SIGKILL', loop);

    expect(figures.failures).toEqual([]);
    expect(figures.failed).toBe(0);
    // No process died with requests in it: draining old workers answer every request they got, none is reset.
    expect(figures.retried).toBe(0);
    expect(figures.longestGapMs).toBeLessThan(1_000);
    const after = routerPids(router.socket);
    expect(after.primaries).toEqual([successor]);
    expect(after.workers).toHaveLength(2);

    // The successor is a full primary: it takes tables and fans them out.
    await publishRouteTable(router.socket, table(2, []));
    expect((await routerHealth(router.socket))?.version).toBe(2);
  });
});
