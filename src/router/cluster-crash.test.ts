/**
 * The clustered router process under load when one of its processes is killed with SIGKILL:
 * a worker (the others keep serving, a replacement comes up) and the primary (its workers keep
 * serving while a successor primary takes the listening socket and the admin socket over, then
 * they drain and exit). Idempotent GETs flow all along and none may fail.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { publishRouteTable, routerHealth } from './admin-client.js';
import { route, table, waitFor } from './test-fixtures.js';
import { startLoad, type LoadFigures } from './testing/load-loop.js';
import { processScope } from './testing/processes.js';
import { routerPids } from './testing/router-pids.js';

const scope = processScope('skiff-router-crash-');

function report(what: string, figures: LoadFigures): void {
  process.stdout.write(
    `${what}: ${figures.requests} requests, ${figures.failed} failed, ${figures.retried} retried after a reset, longest gap without an answer ${figures.longestGapMs} ms${
      figures.failures.length > 0 ? `; first failures: ${figures.failures.join(' | ')}` : ''
    }\n`,
  );
}

const load = { concurrency: 4, maxRequests: 20_000, maxMs: 30_000 } as const;

/** A router with two workers in its own folder (the scope kills its every process, successors too). */
async function clusteredRouter(name: string): Promise<ReturnType<typeof scope.spawnRouter>> {
  const dir = join(scope.dir, name);
  await mkdir(dir, { recursive: true });
  return scope.spawnRouter(['--workers', '2'], dir);
}

describe('router process crash', () => {
  it('loses no GET when a worker is killed with SIGKILL under load', async () => {
    const [a] = await scope.backends('a');
    const router = await clusteredRouter('worker-kill');
    const port = await router.port();
    await publishRouteTable(router.socket, table(1, [route({ backends: [a!.asRouteBackend()] })]));
    await waitFor(() => routerPids(router.socket).workers.length === 2, 5_000, 'two workers');

    const loop = startLoad(`http://127.0.0.1:${port}`, load);
    scope.cleanups.push(() => loop.stop());
    await waitFor(() => loop.answered >= 200, 10_000, '200 answers before the kill');
    const [victim] = routerPids(router.socket).workers;
    process.kill(victim!, 'SIGKILL');
    await waitFor(() => {
      const { workers } = routerPids(router.socket);
      return workers.length === 2 && !workers.includes(victim!);
    }, 10_000, 'a replacement worker');
    const atReplacement = loop.answered;
    await waitFor(() => loop.answered >= atReplacement + 300, 10_000, '300 answers after the replacement');
    const figures = await loop.stop();
    report('worker SIGKILL', figures);

    expect(figures.failures).toEqual([]);
    expect(figures.failed).toBe(0);
  });

  it('keeps serving when the primary is killed with SIGKILL, and one successor takes over', async () => {
    const [a] = await scope.backends('a');
    const router = await clusteredRouter('primary-kill');
    const port = await router.port();
    await publishRouteTable(router.socket, table(1, [route({ backends: [a!.asRouteBackend()] })]));
    await waitFor(() => routerPids(router.socket).workers.length === 2, 5_000, 'two workers');
    const oldPrimary = router.child.pid!;
    const oldWorkers = routerPids(router.socket).workers;

    const loop = startLoad(`http://127.0.0.1:${port}`, load);
    scope.cleanups.push(() => loop.stop());
    await waitFor(() => loop.answered >= 200, 10_000, '200 answers before the kill');
    process.kill(oldPrimary, 'SIGKILL');

    let successor = 0;
    await waitFor(async () => {
      const health = await routerHealth(router.socket, 500);
      successor = health !== null && health.pid !== oldPrimary ? health.pid : 0;
      return successor > 0 && health?.version === 1 && health.port === port;
    }, 10_000, 'a successor primary on the admin socket');
    await waitFor(() => routerPids(router.socket).workers.every((pid) => !oldWorkers.includes(pid)), 15_000, 'the old workers to drain and exit');
    const atTakeover = loop.answered;
    await waitFor(() => loop.answered >= atTakeover + 300, 10_000, '300 answers after the takeover');
    const figures = await loop.stop();
    report('primary SIGKILL', figures);

    expect(figures.failures).toEqual([]);
    expect(figures.failed).toBe(0);
    expect(figures.longestGapMs).toBeLessThan(1_000);
    const after = routerPids(router.socket);
    expect(after.primaries).toEqual([successor]);
    expect(after.workers).toHaveLength(2);

    // The successor is a full primary: it takes tables and fans them out.
    await publishRouteTable(router.socket, table(2, [route({ backends: [a!.asRouteBackend()] })]));
    expect((await routerHealth(router.socket))?.version).toBe(2);
  });
});
