/**
 * The router process on a second address (--also-listen, the docker bridge gateway in use; here
 * 127.0.0.2, another loopback address): served by every worker on the same port, handed over to
 * a successor primary with the first, and never an address of every interface.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { publishRouteTable, routerHealth } from './admin-client.js';
import { route, table, TestClient, waitFor } from './test-fixtures.js';
import { processScope } from './testing/processes.js';
import { routerPids } from './testing/router-pids.js';

const scope = processScope('skiff-router-also-');

async function routerIn(name: string, args: readonly string[]): Promise<ReturnType<typeof scope.spawnRouter>> {
  const dir = join(scope.dir, name);
  await mkdir(dir, { recursive: true });
  return scope.spawnRouter(args, dir);
}

describe('router on a second address', () => {
  it('serves both addresses on one port, also after a successor took over', async () => {
    const [a] = await scope.backends('a');
    const router = await routerIn('two', ['--workers', '2', '--also-listen', '127.0.0.2']);
    const port = await router.port();
    await publishRouteTable(router.socket, table(1, [route({ backends: [a!.asRouteBackend()] })]));
    for (const host of ['127.0.0.1', '127.0.0.2']) {
      const client = new TestClient(`http://${host}:${port}`);
      scope.cleanups.push(() => client.close());
      expect((await client.send(`/via/${host}`)).status).toBe(200);
    }

    const killed = router.child.pid!;
    process.kill(killed, 'SIGKILL');
    await waitFor(async () => {
      const health = await routerHealth(router.socket, 500);
      return health !== null && health.pid !== killed;
    }, 15_000, 'a successor primary');
    await waitFor(() => routerPids(router.socket).primaries.length === 1, 5_000, 'one primary');
    for (const host of ['127.0.0.1', '127.0.0.2']) {
      const client = new TestClient(`http://${host}:${port}`);
      scope.cleanups.push(() => client.close());
      expect((await client.send(`/after/${host}`)).status).toBe(200);
    }
  });

  it('refuses to listen on every interface', async () => {
    const router = await routerIn('any', ['--also-listen', '0.0.0.0']);
    expect(await router.exited).toBe(1);
    expect(router.output()).toContain('--also-listen must be the IP address of one interface, got \\"0.0.0.0\\"');
  });
});
