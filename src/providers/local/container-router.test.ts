/**
 * A container reaches the router through SKIFF_ROUTER_URL with no control plane running: the
 * router process itself listens on the docker bridge gateway (and on 127.0.0.1, nowhere else).
 * A short-lived "control plane" process starts the router through the launcher with the docker
 * driver's address, starts the container and exits; the container's calls keep arriving.
 * Skipped, loudly, only when no engine is reachable (a failure in CI).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import type { InstanceHandle, InstanceLaunch } from '../../drivers/driver.js';
import { ensureBaseImage } from '../../drivers/docker/base-image.js';
import { createDockerDriver } from '../../drivers/docker/docker-driver.js';
import { engineForTests } from '../../drivers/docker/testing/test-image.js';
import { transpileForNode } from '../../drivers/testing/transpile.js';
import { route, table, waitFor } from '../../router/test-fixtures.js';
import { processScope, routerEntry } from '../../router/testing/processes.js';
import { killRouter } from '../../router/testing/router-pids.js';
import { freePort } from './free-port.js';

const engine = await engineForTests();
if (!engine.reachable) {
  if (process.env.CI) throw new Error(`no Docker engine is reachable in CI: ${engine.reason}`);
  console.warn(`\n!!! SKIPPING the container-to-router test: no Docker engine is reachable (${engine.reason}).\n`);
}

const scope = processScope('skiff-container-router-');

/** The IPv4 addresses with a listening TCP socket on `port` (from /proc/net/tcp, little-endian hex). */
function listeningAddresses(port: number): string[] {
  const addresses: string[] = [];
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const [, local, , state] = line.trim().split(/\s+/);
    if (state !== '0A' || local === undefined) continue;
    const [hex, portHex] = local.split(':');
    if (Number.parseInt(portHex ?? '', 16) !== port || hex === undefined) continue;
    addresses.push([3, 2, 1, 0].map((i) => Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.'));
  }
  return addresses.sort();
}

/** A control plane that starts the router and one container, then exits: the modules it runs, compiled for plain node. */
async function controlPlaneScript(dir: string): Promise<string> {
  const modules = join(dir, 'modules');
  const url = async (entry: string): Promise<string> => pathToFileURL(await transpileForNode(resolve(entry), resolve('src'), modules)).href;
  const driver = await url('src/drivers/docker/index.ts');
  const launcher = await url('src/providers/local/router-launcher.ts');
  const addresses = await url('src/providers/local/router-addresses.ts');
  await symlink(resolve('node_modules'), join(modules, 'node_modules'));
  const script = join(dir, 'control-plane.mjs');
  await writeFile(
    script,
    [
      `const { createDockerDriver } = await import(${JSON.stringify(driver)});`,
      `const { RouterLauncher } = await import(${JSON.stringify(launcher)});`,
      `const { routerListenAddresses } = await import(${JSON.stringify(addresses)});`,
      `const { router: options, table, launch } = JSON.parse(process.argv[2]);`,
      `const docker = createDockerDriver();`,
      `const silent = { info() {}, warn() {}, error() {} };`,
      `const router = new RouterLauncher({ ...options, logger: silent, onRestart() {}, alsoListen: () => routerListenAddresses({ docker }) });`,
      `await router.ensure();`,
      `await router.publish(table);`,
      `const instance = await docker.start({ ...launch, env: { SKIFF_ROUTER_URL: router.url } });`,
      `router.detach();`,
      `process.stdout.write(JSON.stringify(instance.handle) + '\\n', () => process.exit(0));`,
    ].join('\n'),
  );
  return script;
}

/** Calls SKIFF_ROUTER_URL every 100 ms, for at most a minute. */
const caller = `
let n = 0;
const timer = setInterval(() => {
  if (++n > 600) return clearInterval(timer);
  fetch(process.env.SKIFF_ROUTER_URL + '/from-container/' + n).then(
    (res) => console.log('answer', n, res.status),
    (err) => console.log('failed', n, err.cause?.code ?? err.message),
  );
}, 100);
`;

describe.runIf(engine.reachable)('container to router', () => {
  const docker = (engine as { docker: Docker }).docker;

  it('reaches the router through SKIFF_ROUTER_URL while no control plane runs', async () => {
    const [a] = await scope.backends('a');
    const dir = join(scope.dir, 'container');
    await mkdir(join(dir, 'logs'), { recursive: true });
    const gateway = await createDockerDriver().routerAddress();
    expect(gateway).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const port = await freePort(new Set());
    const dataDir = join(dir, 'router');
    scope.cleanups.push(async () => killRouter(join(dataDir, 'router.sock')));
    const launch: InstanceLaunch = {
      instanceId: `router-call-${Math.random().toString(36).slice(2, 8)}`,
      service: 'caller',
      environment: 'dev',
      release: 'v1',
      directory: dir,
      command: ['node', '-e', caller],
      env: {},
      port: await freePort(new Set([port])),
      resources: {},
      logDir: join(dir, 'logs'),
      image: (await ensureBaseImage(docker)).id,
    };
    const argument = {
      router: { dataDir, host: '127.0.0.1', port, routerScript: routerEntry },
      table: table(1, [route({ backends: [a!.asRouteBackend()] })]),
      launch,
    };

    const controlPlane = spawn(process.execPath, [await controlPlaneScript(dir), JSON.stringify(argument)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    controlPlane.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exitCode = await new Promise((done) => controlPlane.once('close', done));
    expect(exitCode).toBe(0);
    const handle = JSON.parse(output) as InstanceHandle;
    scope.cleanups.push(() => docker.getContainer(handle.containerId!).remove({ force: true }).catch(() => undefined));

    // Only the router process is left: what the container sends from now on goes through it.
    const before = a!.seen.filter((request) => request.url.startsWith('/from-container/')).length;
    await waitFor(
      () => a!.seen.filter((request) => request.url.startsWith('/from-container/')).length >= before + 5,
      20_000,
      'five calls from the container through the router after the control plane exited',
    );
    expect(listeningAddresses(port)).toEqual(['127.0.0.1', gateway].sort());
  }, 120_000);
});
