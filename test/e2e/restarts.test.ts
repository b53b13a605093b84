/**
 * What the control plane's own start and stop must never do to what runs: a refused start leaves
 * the data plane and the instances serving, and an impatient second Ctrl-C orphans nothing.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { echoSpec, isAlive, runLoad, startPlatform, waitFor, waitForReady, waitForRouted } from './platform.js';
import type { Platform } from './platform.js';

let platform: Platform | undefined;
const cleanups: (() => void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await platform?.stop();
  platform = undefined;
});

function routerPid(p: Platform): number {
  return JSON.parse(fs.readFileSync(path.join(p.dataDir, 'routers', 'dev', 'router.json'), 'utf8')).pid as number;
}

describe('control-plane restarts', () => {
  it('a refused start (invalid skiff.yaml, API port taken) leaves the router and instances serving, and the next start adopts them', async () => {
    platform = await startPlatform({ spec: echoSpec() });
    const before = await waitForReady(platform, { echo: 2 });
    await waitForRouted(platform, '/echo/', before);
    const router = routerPid(platform);
    await platform.kill();
    const stopLoad = new AbortController();
    const loading = runLoad(`${platform.routerUrl}/echo/`, { durationMs: 60_000, connections: 2, maxRequests: 100_000, signal: stopLoad.signal });
    const specFile = path.join(platform.specDir, 'skiff.yaml');
    const good = fs.readFileSync(specFile, 'utf8');

    fs.writeFileSync(specFile, good.replace('instances: 2', 'instances: many'));
    const invalid = await platform.restartRefused();
    expect(invalid.code).toBe(1);
    expect(invalid.output).toContain('SKIFF_SPEC_INVALID');
    expect(invalid.output).toContain('nothing running was touched');

    fs.writeFileSync(specFile, good);
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(Number(new URL(platform!.apiUrl).port), '127.0.0.1', resolve));
    cleanups.push(() => squatter.close());
    const portTaken = await platform.restartRefused();
    expect(portTaken.code).toBe(1);
    expect(portTaken.output).toContain('could not listen');
    await new Promise<void>((resolve) => squatter.close(() => resolve()));

    // Through both refusals the data plane kept serving, and nothing was stopped.
    expect(isAlive(router)).toBe(true);
    for (const instance of before) expect(isAlive(instance.pid as number)).toBe(true);
    await platform.restart();
    const after = await waitForReady(platform, { echo: 2 });
    expect(after.map((i) => [i.id, i.pid, i.restarts])).toEqual(before.map((i) => [i.id, i.pid, 0]));
    expect(routerPid(platform)).toBe(router);
    stopLoad.abort();
    const finished = await loading;
    expect(finished.failures).toEqual([]);
    expect(finished.total).toBeGreaterThan(100);
  });

  it('a second Ctrl-C during the stop kills what is still stopping at once and exits only once nothing is left', async () => {
    platform = await startPlatform({ spec: echoSpec({ ignoreTerm: true, stopGrace: '60s' }) });
    const instances = await waitForReady(platform, { echo: 2 });
    const pids = [...instances.map((i) => i.pid as number), routerPid(platform)];
    const child = platform.process;
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    await waitFor('the stop to begin', () => platform!.output().includes('Stopping:'));
    child.kill('SIGINT');
    const code = await exited;
    expect(code).toBe(0);
    expect(platform.output()).toContain('Still stopping 2 instance(s)');
    expect(platform.output()).toContain('Stopped.');
    for (const pid of pids) expect(isAlive(pid), `pid ${pid} left running`).toBe(false);
  });
});
