/**
 * The launcher's watchdog with the real router process: a primary killed with SIGKILL under
 * load costs no request, and counts as one restart with one new primary, not a storm of them.
 */
import path from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { routerHealth } from '../../router/admin-client.js';
import { route, table, waitFor } from '../../router/test-fixtures.js';
import { formatFigures, startLoad } from '../../router/testing/load-loop.js';
import { processScope, routerEntry } from '../../router/testing/processes.js';
import { killRouter, routerPids } from '../../router/testing/router-pids.js';
import { freePort } from './free-port.js';
import { RouterLauncher } from './router-launcher.js';

const scope = processScope('skiff-router-launcher-');

describe('router launcher', () => {
  it('adopts the successor of a primary killed with SIGKILL: one restart, one new primary, no failed GET', async () => {
    const [a] = await scope.backends('a');
    const dataDir = path.join(scope.dir, 'primary-kill');
    const socket = path.join(dataDir, 'router.sock');
    const restarts: string[] = [];
    const launcher = new RouterLauncher({
      dataDir,
      host: '127.0.0.1',
      port: await freePort(new Set()),
      logger: pino({ level: 'silent' }),
      onRestart: (reason) => restarts.push(reason),
      routerScript: routerEntry,
    });
    scope.cleanups.push(async () => {
      await launcher.stop();
      killRouter(socket);
    });
    expect(await launcher.ensure()).toBe('started');
    await launcher.publish(table(1, [route({ backends: [a!.asRouteBackend()] })]));
    await waitFor(() => routerPids(socket).workers.length >= 2, 10_000, 'the workers');
    const killed = launcher.pid!;
    const oldWorkers = routerPids(socket).workers;

    const loop = startLoad(launcher.url, { concurrency: 4, maxRequests: 20_000, maxMs: 30_000 });
    scope.cleanups.push(() => loop.stop());
    await waitFor(() => loop.answered >= 200, 10_000, '200 answers before the kill');
    process.kill(killed, 'SIGKILL');

    await waitFor(() => launcher.pid !== killed, 20_000, 'the launcher to adopt a successor');
    await waitFor(() => routerPids(socket).workers.every((pid) => !oldWorkers.includes(pid)), 15_000, 'the old workers to drain and exit');
    const atTakeover = loop.answered;
    await waitFor(() => loop.answered >= atTakeover + 300, 10_000, '300 answers after the takeover');
    const figures = await loop.stop();
    process.stdout.write(
      `launcher, primary SIGKILL: ${formatFigures(figures)}; restarts: ${restarts.join(' | ')}\n`,
    );

    expect(figures.failures).toEqual([]);
    expect(figures.failed).toBe(0);
    expect(figures.longestGapMs).toBeLessThan(1_000);
    expect(restarts).toHaveLength(1);
    expect(routerPids(socket).primaries).toEqual([launcher.pid]);
    expect((await routerHealth(socket))?.pid).toBe(launcher.pid);
  });
});
