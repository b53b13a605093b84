/**
 * Container services end to end on the real Docker engine: build, deploy, route (and the router
 * reached from inside a container), `docker kill` repaired by Skiff, the memory limit enforced,
 * the control plane killed and restarted adopting its containers under load, containers Skiff did
 * not start left alone, and, with no engine, the container service failing with the reason while
 * a process service runs. Skipped with a loud warning only when no engine answers outside CI.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEngine, probeEngine } from '../../src/drivers/docker/engine.js';
import { echoServer, runLoad, startPlatform, waitFor, waitForReady, waitForRouted } from './platform.js';
import type { InstanceJson, Platform } from './platform.js';

const DOCKER = '/usr/bin/docker';
const engine = await probeEngine(connectEngine({}), 3000);
if (!engine.reachable) {
  if (process.env.CI) throw new Error(`no Docker engine is reachable in CI: ${engine.reason}`);
  console.warn(`\n*** SKIPPING the container e2e tests: no Docker engine is reachable (${engine.reason}); start dockerd (see docs/docker.md) ***\n`);
}

function docker(...args: string[]): string {
  return execFileSync(DOCKER, args, { encoding: 'utf8', timeout: 30_000 }).trim();
}

const dockerfile = 'FROM skiff-node-base:20\nCOPY server.mjs /app/server.mjs\nCMD ["node", "/app/server.mjs"]\n';
const server = `import http from 'node:http';
const instance = process.env.SKIFF_INSTANCE_ID;
if (process.argv[2] === 'hog') {
  // Allocates (and touches) memory until the engine's limit kills it.
  const kept = [];
  setInterval(() => kept.push(Buffer.alloc(8 * 1024 * 1024, 1)), 20);
}
http.createServer(async (req, res) => {
  let body = { instance, greeting: process.env.GREETING };
  if (req.url === '/router-check') {
    const answer = await fetch(process.env.SKIFF_ROUTER_URL + '/box/health').then((r) => r.status, (e) => String(e));
    body = { instance, router: process.env.SKIFF_ROUTER_URL, status: answer };
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}).listen(Number(process.env.PORT), '0.0.0.0');
`;

const spec = `name: containers
services:
  box:
    path: box
    driver: docker
    image: { dockerfile: ./Dockerfile }
    instances: 2
    env: { GREETING: hello }
    readiness: { http: /health, interval: 200ms, failureThreshold: 2 }
    resources: { memory: 64Mi, pids: 64 }
    stopGrace: 2s
    routes:
      - path: /box
        stripPrefix: true
  hog:
    path: box
    driver: docker
    image: { dockerfile: ./Dockerfile }
    start: [node, /app/server.mjs, hog]
    instances: 1
    resources: { memory: 48Mi }
    stopGrace: 1s
environments:
  dev: {}
`;

interface EventJson {
  type: string;
  instance: string | null;
  message: string;
  data: Record<string, unknown>;
}

async function events(platform: Platform, service: string): Promise<EventJson[]> {
  return (await (await platform.fetch(`/api/v1/events?service=${service}&limit=200`)).json()) as EventJson[];
}

function containerOf(instance: string): string {
  return docker('ps', '-q', '--no-trunc', '--filter', `label=skiff.instance=${instance}`);
}

describe.skipIf(!engine.reachable)('container services on the Docker engine', () => {
  let platform: Platform | undefined;
  let foreign = '';

  beforeAll(async () => {
    // A container Skiff did not start: it must outlive everything below.
    foreign = docker('run', '-d', '--name', `not-skiff-${process.pid}`, 'skiff-node-base:20', 'node', '-e', 'setInterval(() => {}, 1000)');
    platform = await startPlatform({ spec, files: { 'box/Dockerfile': dockerfile, 'box/server.mjs': server } });
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
    if (foreign) docker('rm', '-f', foreign);
  }, 60_000);

  it('builds the image once, deploys that image id and routes to the containers', async () => {
    const p = platform!;
    await waitForReady(p, { box: 2 }, 90_000);
    const built = p.cli(['build', 'box']);
    expect(built.code, built.stderr).toBe(0);
    const digest = /sha256:[0-9a-f]{64}/.exec(built.stdout)?.[0];
    expect(digest).toBeDefined();
    expect(docker('image', 'inspect', '--format', '{{.Id}}', digest!)).toBe(digest);

    const deployed = p.cli(['deploy', 'box', 'latest', 'dev']);
    expect(deployed.code, deployed.stderr).toBe(0);
    const ready = await waitFor('box on v2', async () => {
      const instances = (await p.status()).instances.filter((i) => i.service === 'box');
      return instances.length === 2 && instances.every((i) => i.release === 'v2' && i.state === 'ready') ? instances : null;
    }, 60_000);
    for (const instance of ready) expect(docker('inspect', '--format', '{{.Image}}', containerOf(instance.id))).toBe(digest);
    await waitForRouted(p, '/box/', ready);

    const check = (await (await fetch(`${p.routerUrl}/box/router-check`)).json()) as { status: unknown; router: string };
    expect(check.router).toMatch(/^http:\/\/host\.docker\.internal:\d+$/);
    expect(check.status).toBe(200);
  }, 180_000);

  it('repairs a container killed with docker kill and says so', async () => {
    const p = platform!;
    const [victim] = (await waitForReady(p, { box: 2 })).filter((i) => i.service === 'box') as [InstanceJson, ...InstanceJson[]];
    const before = containerOf(victim.id);
    docker('kill', before);
    const repaired = await waitFor('the killed instance back and ready', async () => {
      const instance = (await p.status()).instances.find((i) => i.id === victim.id);
      return instance && instance.restarts > victim.restarts && instance.state === 'ready' ? instance : null;
    }, 30_000);
    expect(repaired.restarts).toBe(victim.restarts + 1);
    expect(containerOf(victim.id)).not.toBe(before);
    const mine = (await events(p, 'box')).filter((e) => e.instance === victim.id);
    expect(mine.some((e) => e.type === 'instance.crashed' && /SIGKILL/.test(e.message))).toBe(true);
    expect(mine.some((e) => e.type === 'instance.restarted')).toBe(true);
  }, 60_000);

  it('enforces the memory limit: the hog is OOM-killed and the event says so', async () => {
    const p = platform!;
    const oom = await waitFor('an OOM event for hog', async () => (await events(p, 'hog')).find((e) => e.type === 'instance.crashed' && e.data.oomKilled === true), 60_000);
    expect(oom.message).toMatch(/OOM/);
  }, 70_000);

  it('adopts its containers when the control plane is killed and restarted, without a failed request', async () => {
    const p = platform!;
    const instances = (await waitForReady(p, { box: 2 })).filter((i) => i.service === 'box');
    await waitForRouted(p, '/box/', instances);
    const containers = new Map(instances.map((i) => [i.id, containerOf(i.id)]));
    const load = runLoad(`${p.routerUrl}/box/`, { durationMs: 6000, connections: 4, maxRequests: 20_000 });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await p.kill();
    await p.restart();
    const result = await load;
    expect(result.failed, result.failures.join('\n')).toBe(0);
    expect(result.total).toBeGreaterThan(50);
    const after = (await waitForReady(p, { box: 2 })).filter((i) => i.service === 'box');
    for (const instance of after) expect(containerOf(instance.id)).toBe(containers.get(instance.id));
    const adopted = (await events(p, 'box')).filter((e) => e.type === 'instance.adopted').map((e) => e.instance);
    expect(new Set(adopted)).toEqual(new Set(containers.keys()));
    // The router is reachable from the adopted containers again (the relay is the control plane's).
    const check = (await (await fetch(`${p.routerUrl}/box/router-check`)).json()) as { status: unknown };
    expect(check.status).toBe(200);
  }, 90_000);

  it('rolls out a newly built image under load without a failed request', async () => {
    const p = platform!;
    const before = (await waitForReady(p, { box: 2 })).filter((i) => i.service === 'box');
    await waitForRouted(p, '/box/', before);
    fs.writeFileSync(path.join(p.specDir, 'box', 'server.mjs'), server.replace('greeting: process.env.GREETING', "greeting: 'rebuilt'"));
    const built = p.cli(['build', 'box']);
    expect(built.code, built.stderr).toBe(0);
    const load = runLoad(`${p.routerUrl}/box/`, { durationMs: 8000, connections: 4, maxRequests: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const deployed = p.cli(['deploy', 'box', 'latest', 'dev']);
    expect(deployed.code, deployed.stderr).toBe(0);
    const after = await waitFor('box on the new image', async () => {
      const instances = (await p.status()).instances.filter((i) => i.service === 'box');
      return instances.length === 2 && instances.every((i) => i.state === 'ready' && !before.some((b) => b.id === i.id)) ? instances : null;
    }, 60_000);
    const result = await load;
    expect(result.failed, result.failures.join('\n')).toBe(0);
    await waitForRouted(p, '/box/', after);
    expect(((await (await fetch(`${p.routerUrl}/box/`)).json()) as { greeting: string }).greeting).toBe('rebuilt');
  }, 120_000);

  it('never touches a container it did not start', () => {
    expect(docker('inspect', '--format', '{{.State.Running}} {{.RestartCount}}', foreign)).toBe('true 0');
  });
});

describe('container services without an engine', () => {
  let platform: Platform | undefined;

  afterAll(async () => {
    await platform?.stop();
  });

  it('fails the container service with the reason while process services run', async () => {
    const saved = process.env.DOCKER_HOST;
    // The child inherits it: an engine address where nothing listens.
    process.env.DOCKER_HOST = `unix:///tmp/skiff-no-engine-${process.pid}.sock`;
    try {
      platform = await startPlatform({
        spec: `name: no-engine
services:
  echo:
    path: .
    start: [node, ${JSON.stringify(echoServer)}]
    readiness: { http: /health, interval: 200ms }
    routes: [{ path: /echo, stripPrefix: true }]
  box:
    path: box
    driver: docker
    image: { dockerfile: ./Dockerfile }
environments:
  dev: {}
`,
        files: { 'box/Dockerfile': dockerfile, 'box/server.mjs': server },
      });
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
    const p = platform;
    await waitFor('echo routed', async () => (await fetch(`${p.routerUrl}/echo/`)).ok);
    const box = await waitFor('box crashed with a reason', async () => (await p.status()).instances.find((i) => i.service === 'box' && i.state === 'crashed'));
    const reason = (box as InstanceJson & { reason: string }).reason;
    expect(reason).toContain('services.box.driver');
    expect(reason).toContain('no Docker engine is reachable');
    expect(reason).toContain('DOCKER_HOST');
    const failed = (await events(p, 'box')).find((e) => e.type === 'instance.start-failed');
    expect(failed?.message).toContain('no Docker engine is reachable');
    expect((await p.status()).instances.find((i) => i.service === 'echo')?.state).toBe('ready');
  }, 60_000);
});
