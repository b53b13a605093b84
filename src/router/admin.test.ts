import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fetchRouteTable, publishRouteTable, routerHealth } from './admin-client.js';
import { startRouter, type RouterHandle } from './router.js';
import { route, startBackend, table, TestClient } from './test-fixtures.js';
import { testScope } from './testing/test-scope.js';

const scope = testScope({ scratch: 'skiff-router-' });
const { cleanups } = scope;

async function start(): Promise<RouterHandle & { socket: string; tableFile: string }> {
  const socket = join(scope.dir, 'router.sock');
  const tableFile = join(scope.dir, 'router-table.json');
  const router = await startRouter({ listenHost: '127.0.0.1', port: 0, adminSocket: socket, tableFile });
  cleanups.push(() => router.close());
  return Object.assign(router, { socket, tableFile });
}

describe('router admin socket', () => {
  it('publishes a table that is then used, persisted, and reported', async () => {
    const backend = await startBackend('a');
    cleanups.push(() => backend.kill());
    const router = await start();
    const client = new TestClient(`http://127.0.0.1:${router.port}`);
    cleanups.push(() => client.close());
    expect(await routerHealth(router.socket)).toEqual({ pid: process.pid, version: 0, port: router.port });

    const published = table(3, [route({ backends: [backend.asRouteBackend()] })]);
    await publishRouteTable(router.socket, published);

    expect((await client.send('/')).json()).toMatchObject({ backend: 'a' });
    expect(await fetchRouteTable(router.socket)).toEqual(published);
    expect(JSON.parse(await readFile(router.tableFile, 'utf8'))).toEqual(published);
    expect((await routerHealth(router.socket))?.version).toBe(3);
  });

  it('rejects an older version with 409 and accepts the same version again', async () => {
    const router = await start();
    await publishRouteTable(router.socket, table(5, []));
    await expect(publishRouteTable(router.socket, table(4, []))).rejects.toMatchObject({ code: 'SKIFF_ROUTE_TABLE_STALE' });
    await publishRouteTable(router.socket, table(5, [route({ backends: [] })]));
    expect((await fetchRouteTable(router.socket)).routes).toHaveLength(1);
  });

  it('rejects a malformed table and keeps the current one', async () => {
    const router = await start();
    await publishRouteTable(router.socket, table(1, []));
    const bad = { ...table(2, []), routes: [{ id: 'x', pathPrefix: 'no-slash' }] };
    await expect(publishRouteTable(router.socket, bad as never)).rejects.toMatchObject({ code: 'SKIFF_BAD_REQUEST' });
    expect((await routerHealth(router.socket))?.version).toBe(1);
  });

  it('starts with the table file and replaces a stale socket file', async () => {
    const socket = join(scope.dir, 'router.sock');
    const tableFile = join(scope.dir, 'router-table.json');
    await writeFile(socket, 'left over by a killed router');
    await writeFile(tableFile, JSON.stringify(table(7, [])));
    const router = await startRouter({ listenHost: '127.0.0.1', port: 0, adminSocket: socket, tableFile });
    cleanups.push(() => router.close());
    expect((await routerHealth(socket))?.version).toBe(7);

    await expect(startRouter({ listenHost: '127.0.0.1', port: 0, adminSocket: socket })).rejects.toMatchObject({
      code: 'SKIFF_ROUTER_START_FAILED',
    });
    expect((await routerHealth(socket))?.version).toBe(7);
  });

  it('reports an unreachable router', async () => {
    const socket = join(scope.dir, 'nobody.sock');
    expect(await routerHealth(socket)).toBeNull();
    await expect(publishRouteTable(socket, table(1, []))).rejects.toMatchObject({ code: 'SKIFF_ROUTER_UNREACHABLE' });
  });
});
