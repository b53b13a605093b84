/**
 * End-to-end stories of the core: the real `skiff up`, real processes, real HTTP on 127.0.0.1.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { echoSpec, isAlive, runLoad, skiffBin, startPlatform, waitFor, waitForReady, waitForRouted } from './platform.js';
import type { Platform } from './platform.js';

let platform: Platform | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
});

describe('skiff up with a two-instance service', () => {
  it('starts the instances, routes to both, and Ctrl-C leaves no process behind', async () => {
    platform = await startPlatform({ spec: echoSpec() });
    const instances = await waitForReady(platform, { echo: 2 });
    await waitForRouted(platform, '/echo/', instances);
    await waitFor('the ready line', () => platform!.output().includes('✓ echo'));
    const load = await runLoad(`${platform.routerUrl}/echo/hi`, { durationMs: 500, connections: 4 });
    expect(load.failed).toBe(0);
    expect(Object.keys(load.byInstance).sort()).toEqual(instances.map((i) => i.id).sort());

    const cli = platform.cli(['status', '--json']);
    expect(cli.code).toBe(0);
    const json = JSON.parse(cli.stdout) as { instances: Record<string, unknown>[] };
    for (const instance of json.instances) {
      expect(Object.keys(instance)).toEqual(expect.arrayContaining(['id', 'service', 'environment', 'release', 'state', 'pid', 'port', 'restarts']));
    }

    const routerPid = JSON.parse(fs.readFileSync(path.join(platform.dataDir, 'routers', 'dev', 'router.json'), 'utf8')).pid as number;
    const pids = [...instances.map((i) => i.pid as number), routerPid];
    expect(pids.every(isAlive)).toBe(true);
    const child = platform.process;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(pids.filter(isAlive)).toEqual([]);
  });

  it('repairs an instance killed with SIGKILL while traffic keeps flowing', async () => {
    platform = await startPlatform({ spec: echoSpec() });
    const ready = await waitForReady(platform, { echo: 2 });
    await waitForRouted(platform, '/echo/', ready);
    const victim = ready[0];
    const loading = runLoad(`${platform.routerUrl}/echo/`, { durationMs: 2500, connections: 4 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    process.kill(victim!.pid!, 'SIGKILL');
    const load = await loading;
    expect(load.failures).toEqual([]);
    const repaired = await waitFor('the instance restarted', async () => {
      const status = await platform!.status();
      const instance = status.instances.find((i) => i.id === victim!.id);
      return instance?.state === 'ready' && instance.pid !== victim!.pid ? instance : null;
    });
    expect(repaired.restarts).toBe(1);
    const events = (await (await platform.fetch(`/api/v1/events?service=echo&limit=50`)).json()) as { type: string; instance: string }[];
    expect(events.filter((e) => e.instance === victim!.id).map((e) => e.type)).toEqual(
      expect.arrayContaining(['instance.crashed', 'instance.restarted', 'instance.ready']),
    );
  });

  it('takes an instance failing its health check out of the rotation and replaces it', async () => {
    // Liveness gives up after 10 × 200 ms, readiness after 2 × 200 ms: a window to see it out of rotation.
    platform = await startPlatform({ spec: echoSpec({ livenessFailures: 10 }) });
    const [sick, healthy] = await waitForReady(platform, { echo: 2 });
    await waitForRouted(platform, '/echo/', [sick!, healthy!]);
    const broke = await fetch(`http://127.0.0.1:${sick!.port}/break-health`, { method: 'POST' });
    expect(broke.ok).toBe(true);
    await waitFor('the sick instance out of the rotation', async () => {
      const load = await runLoad(`${platform!.routerUrl}/echo/`, { durationMs: 200, connections: 2 });
      return load.failed === 0 && load.byInstance[sick!.id] === undefined && load.byInstance[healthy!.id]! > 0;
    });
    const replaced = await waitFor('the sick instance replaced', async () => {
      const instance = (await platform!.status()).instances.find((i) => i.id === sick!.id);
      return instance && instance.state === 'ready' && instance.pid !== sick!.pid ? instance : null;
    });
    expect(replaced.restarts).toBe(1);
    const events = (await (await platform.fetch(`/api/v1/events?service=echo&limit=100`)).json()) as { type: string; instance: string; message: string }[];
    const mine = events.filter((e) => e.instance === sick!.id);
    expect(mine.map((e) => e.type)).toEqual(expect.arrayContaining(['instance.unhealthy', 'instance.replacing', 'instance.restarted']));
  });

  it('adopts running instances after the control plane is killed, with no failed request', async () => {
    platform = await startPlatform({ spec: echoSpec() });
    const before = await waitForReady(platform, { echo: 2 });
    await waitForRouted(platform, '/echo/', before);
    const loading = runLoad(`${platform.routerUrl}/echo/`, { durationMs: 4000, connections: 4 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await platform.kill();
    await new Promise((resolve) => setTimeout(resolve, 700));
    await platform.restart();
    const load = await loading;
    expect(load.failures).toEqual([]);
    expect(load.total).toBeGreaterThan(100);
    const after = await waitForReady(platform, { echo: 2 });
    expect(after.map((i) => [i.id, i.pid, i.restarts])).toEqual(before.map((i) => [i.id, i.pid, 0]));
  });

  it('scales with the CLI and records each change as a revision', async () => {
    platform = await startPlatform({ spec: echoSpec({ instances: 1 }) });
    await waitForReady(platform, { echo: 1 });
    const up = platform.cli(['scale', 'echo=3']);
    expect(up.code, up.stderr).toBe(0);
    await waitForReady(platform, { echo: 3 });
    // The file is the source of truth: applying it again brings back its instance count.
    const apply = platform.cli(['apply', 'skiff.yaml']);
    expect(apply.code, apply.stderr).toBe(0);
    await waitForReady(platform, { echo: 1 });
    expect(platform.cli(['apply', 'skiff.yaml']).stdout).toMatch(/no change/i);
    const revisions = (await (await platform.fetch(`/api/v1/revisions`)).json()) as { message: string }[];
    expect(revisions.map((r) => r.message)).toEqual(['apply skiff.yaml', 'scale dev/echo to 3', 'skiff up']);
    const bad = platform.cli(['scale', 'nosuch=2']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('SKIFF_UNKNOWN_SERVICE');
  });

  it('refuses an invalid spec with positioned errors and changes nothing', async () => {
    platform = await startPlatform({ spec: echoSpec({ instances: 1 }) });
    const before = await waitForReady(platform, { echo: 1 });
    const bad = echoSpec({ instances: 1 }).replace('instances: 1', 'instanses: 3').replace('interval: 200ms', 'interval: soon');
    fs.writeFileSync(path.join(platform.specDir, 'bad.yaml'), bad);
    const result = platform.cli(['apply', 'bad.yaml']);
    expect(result.code).toBe(1);
    const lines = bad.split('\n');
    const keyLine = lines.findIndex((l) => l.includes('instanses')) + 1;
    expect(result.stderr + result.stdout).toContain(`bad.yaml:${keyLine}:5`);
    expect(result.stderr + result.stdout).toContain('did you mean "instances"');
    expect(result.stderr + result.stdout).toContain('SKIFF_SPEC_INVALID_VALUE');
    const revisions = (await (await platform.fetch(`/api/v1/revisions`)).json()) as unknown[];
    expect(revisions).toHaveLength(1);
    const after = await waitForReady(platform, { echo: 1 });
    expect(after.map((i) => i.pid)).toEqual(before.map((i) => i.pid));
  });

  it('shows an instance log and follows a new instance', async () => {
    platform = await startPlatform({ spec: echoSpec({ instances: 1 }) });
    const [instance] = await waitForReady(platform, { echo: 1 });
    await waitForRouted(platform, '/echo/', [instance!]);
    await fetch(`${platform.routerUrl}/echo/some-path`);
    const logs = await waitFor('the request in the logs', () => {
      const result = platform!.cli(['logs', 'echo']);
      return result.stdout.includes('/some-path') ? result.stdout : null;
    });
    expect(logs).toContain(instance!.id);
    const grep = platform.cli(['logs', 'echo', '--grep', 'some-path', '--since', '10m']);
    expect(grep.stdout.trim().split('\n').every((line) => line.includes('some-path'))).toBe(true);
    expect(platform.cli(['logs', 'echo', '--release', 'v9']).stdout).toBe('');

    // `logs -f` shows lines of an instance started after it began.
    const follow = spawn(process.execPath, [skiffBin, 'logs', 'echo', '-f'], { env: { ...process.env, SKIFF_API: platform.apiUrl, SKIFF_DATA: platform.dataDir } });
    let followed = '';
    follow.stdout.on('data', (chunk: Buffer) => (followed += chunk.toString()));
    try {
      expect(platform.cli(['scale', 'echo=2']).code).toBe(0);
      const [, added] = await waitForReady(platform, { echo: 2 });
      const newcomer = added!.id === instance!.id ? (await platform.status()).instances.find((i) => i.id !== instance!.id)! : added!;
      await waitFor('a line of the new instance in logs -f', async () => {
        await fetch(`http://127.0.0.1:${newcomer.port}/followed`);
        return followed.includes(`${newcomer.id} | `) && followed.includes('/followed');
      });
    } finally {
      follow.kill('SIGINT');
    }

    const child = platform.process;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const stop = platform.cli(['stop']);
    expect(stop.code, stop.stderr).toBe(0);
    expect(await exited).toBe(0);
    expect(isAlive(instance!.pid!)).toBe(false);
  });

  it('backs off a crash loop exponentially and says why in status and events', async () => {
    platform = await startPlatform({
      spec: `name: test
services:
  broken:
    start: [node, -e, "console.error('missing DATABASE_URL'); process.exit(2)"]
environments:
  dev: {}
`,
    });
    const crashes = await waitFor('four crashes', async () => {
      const events = (await (await platform!.fetch(`/api/v1/events?type=instance.crashed`)).json()) as {
        data: { restartInMs: number; exitCode: number | null };
      }[];
      return events.length >= 4 ? events : null;
    });
    const delays = crashes.slice(0, 4).map((e) => e.data.restartInMs);
    expect(delays[0]).toBe(0);
    expect(delays[1]).toBeGreaterThanOrEqual(200);
    expect(delays[2]).toBeGreaterThan(delays[1]!);
    expect(delays[3]).toBeGreaterThan(delays[2]!);
    expect(crashes[0]!.data.exitCode).toBe(2);
    const [instance] = (await platform.status()).instances;
    expect(instance!.restarts).toBeGreaterThanOrEqual(3);
    const cli = platform.cli(['logs', 'broken']);
    expect(cli.stdout).toContain('missing DATABASE_URL');
  });

  it('replaces every instance with a new release under load without a failed request, even when instances exit at once on SIGTERM', async () => {
    platform = await startPlatform({ spec: echoSpec({ instances: 2, greeting: 'old', abruptExit: true }) });
    const before = await waitForReady(platform, { echo: 2 });
    await waitForRouted(platform, '/echo/', before);
    const loading = runLoad(`${platform.routerUrl}/echo/`, { durationMs: 6000, connections: 4 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    fs.writeFileSync(path.join(platform.specDir, 'skiff.yaml'), echoSpec({ instances: 2, greeting: 'new', abruptExit: true }));
    const applied = platform.cli(['apply', 'skiff.yaml']);
    expect(applied.code, applied.stderr).toBe(0);
    const after = await waitFor('only new instances', async () => {
      const instances = (await platform!.status()).instances;
      return instances.length === 2 && instances.every((i) => i.state === 'ready' && !before.some((b) => b.id === i.id)) ? instances : null;
    });
    const load = await loading;
    expect(load.failures).toEqual([]);
    expect(after.every((i) => i.release === 'v2')).toBe(true);
    expect(before.map((i) => i.pid!).filter(isAlive)).toEqual([]);
  });
});
