/**
 * Scenarios 1 and 2: kill -9 an instance every second, a router worker, the router primary or
 * the control plane, while a steady load of GETs goes through the router.
 */
import path from 'node:path';
import { routerHealth } from '../../src/router/admin-client.js';
import { runLoad, waitFor, waitForReady, waitForRouted } from '../e2e/platform.js';
import type { Platform, TimedLoadResult } from '../e2e/platform.js';
import type { ChaosLine } from './form.js';
import { killPid, routerDir, routerPrimaryPid, routerWorkerPids, strayRouterProcesses } from './processes.js';
import { lostState, savedState, settled } from './state.js';

export const loadPath = '/echo/';

/** Load that runs until `work` is done (at most `maxMs`), then the state check after it settled. */
export async function underLoad(
  platform: Platform,
  options: { scenario: string; instances: number; maxMs: number; retryResets?: boolean },
  work: () => Promise<string | undefined>,
): Promise<ChaosLine> {
  await waitForRouted(platform, loadPath, await waitForReady(platform, { echo: options.instances }));
  const before = await savedState(platform, 'echo');
  const stop = new AbortController();
  const loading = runLoad(`${platform.routerUrl}${loadPath}`, {
    durationMs: options.maxMs,
    connections: 4,
    maxRequests: 400_000,
    signal: stop.signal,
    retryResets: options.retryResets === true,
  });
  let note: string | undefined;
  let load: TimedLoadResult;
  try {
    note = await work();
  } finally {
    stop.abort();
    load = await loading;
  }
  const outside = await settled(platform, 'echo', options.instances);
  const lost = lostState(before, await savedState(platform, 'echo'));
  // A replaced generation's workers drain their connections (up to 5 s) before they exit: only
  // what is still there after that is left behind.
  await waitFor('the replaced router processes to exit', () => strayRouterProcesses(platform).length === 0, 10_000).catch(() => undefined);
  const strayRouters = strayRouterProcesses(platform).map((pid) => `router process ${pid} outside the recorded router`);
  return { scenario: options.scenario, load, damage: [...lost, ...outside.map((p) => `outside status: ${p}`), ...strayRouters], ...(note ? { note } : {}) };
}

/** Every second for `durationMs`, kill -9 one ready instance, as long as another one is ready. */
export async function killInstances(platform: Platform, durationMs: number, instances: number): Promise<ChaosLine> {
  return underLoad(platform, { scenario: `kill -9 an instance every 1 s for ${durationMs / 1000} s (${instances} instances)`, instances, maxMs: durationMs + 5000 }, async () => {
    let killed = 0;
    let skipped = 0;
    const deadline = Date.now() + durationMs;
    // The kill schedule is the fault being injected, not a wait for a condition.
    while (Date.now() < deadline) {
      const ready = (await platform.status()).instances.filter((i) => i.state === 'ready' && i.pid !== null);
      const victim = ready[Math.floor(Math.random() * ready.length)];
      if (ready.length >= 2 && victim?.pid) {
        killPid(victim.pid);
        killed += 1;
      } else skipped += 1;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    return `${killed} kills, ${skipped} seconds skipped (fewer than 2 ready)`;
  });
}

export type Victim = 'router worker' | 'router primary' | 'control plane';

/** Kill -9 the victim `times` times, each time once the platform has recovered from the previous kill. */
export async function killRepeatedly(platform: Platform, victim: Victim, times: number): Promise<ChaosLine> {
  // A killed router process resets the connections it served: the load's client sends such a GET
  // again once, as HTTP clients do. The control plane holds no connection of the load: no retry.
  const retryResets = victim !== 'control plane';
  return underLoad(platform, { scenario: `kill -9 the ${victim}, ${times} times`, instances: 2, maxMs: times * 40_000, retryResets }, async () => {
    const notes: string[] = [];
    for (let round = 0; round < times; round += 1) {
      const note = await killOnce(platform, victim);
      if (note) notes.push(note);
      await waitForRouted(platform, loadPath, await waitForReady(platform, { echo: 2 }));
    }
    return notes.join('; ') || undefined;
  });
}

async function killOnce(platform: Platform, victim: Victim): Promise<string | undefined> {
  switch (victim) {
    case 'router worker': {
      const workers = routerWorkerPids(platform);
      const target = workers[0];
      if (target === undefined) return 'no router worker found';
      killPid(target);
      // Recovered once the replacement accepts connections, not merely once its process exists.
      return waitFor('the router primary to replace its worker', async () => {
        const health = await routerHealth(path.join(routerDir(platform), 'router.sock'));
        const listening = health?.workers?.listening ?? [];
        return !listening.includes(target) && listening.length === health?.workers?.wanted;
      }, 20_000).then(() => undefined, () => `worker ${target} not replaced within 20 s`);
    }
    case 'router primary': {
      const primary = routerPrimaryPid(platform);
      if (primary === null) return 'no router primary found';
      killPid(primary);
      return waitFor('a new router primary', () => {
        const now = routerPrimaryPid(platform);
        return now !== null && now !== primary;
      }, 30_000).then(() => undefined, () => `no new primary within 30 s`);
    }
    case 'control plane':
      await platform.kill();
      await platform.restart();
      return undefined;
  }
}
