/**
 * The docker driver on the real local engine, beyond the shared contract: limits enforced by the
 * engine, labels, logs in the instance log file (also across a control plane that dies), and
 * containers Skiff did not start left alone. Skipped, loudly, only when no engine is reachable.
 */
import { spawn } from 'node:child_process';
import { readFile, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type Docker from 'dockerode';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isSkiffError } from '../../core/errors.js';
import type { InstanceHandle, InstanceLaunch, RunningInstance } from '../driver.js';
import { createWorkspace, freePort, getInstance, waitFor, within } from '../testing/fixtures.js';
import type { Workspace } from '../testing/fixtures.js';
import { transpileForNode } from '../testing/transpile.js';
import { createDockerDriver } from './docker-driver.js';
import { engineForTests, ensureTestServerImage, TEST_SERVER_PATH } from './testing/test-image.js';

const engine = await engineForTests();
if (!engine.reachable) {
  if (process.env.CI) throw new Error(`no Docker engine is reachable in CI: ${engine.reason}`);
  console.warn(`\n!!! SKIPPING the docker driver tests: no Docker engine is reachable (${engine.reason}).\n`);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('docker driver without an engine', () => {
  it('says so in its capabilities and rejects a start with SKIFF_DOCKER_UNAVAILABLE and how to fix it', async () => {
    const driver = createDockerDriver({ dockerHost: 'unix:///nonexistent/docker.sock' });
    expect(driver.capabilities.available?.available).toBe(false);
    expect(driver.capabilities.resourceLimits.enforced).toBe(false);
    const launch: InstanceLaunch = {
      instanceId: 'no-engine-1',
      service: 'web',
      environment: 'dev',
      release: 'v1',
      directory: '/',
      command: [],
      env: {},
      port: 1,
      resources: {},
      logDir: '/tmp',
      image: 'anything:1',
    };
    const error = await rejection(driver.start(launch));
    expect(isSkiffError(error) && error.code).toBe('SKIFF_DOCKER_UNAVAILABLE');
    expect((error as Error).message).toContain('/nonexistent/docker.sock');
    expect(isSkiffError(error) && error.hint).toMatch(/DOCKER_HOST/);
  });
});

describe.runIf(engine.reachable)('docker driver on the local engine', () => {
  const docker = (engine as { docker: Docker }).docker;
  const driver = createDockerDriver();
  const runId = Math.random().toString(36).slice(2, 8);
  let workspace: Workspace;
  let image: string;
  let counter = 0;
  const started: RunningInstance[] = [];
  const foreign: Docker.Container[] = [];

  beforeAll(async () => {
    workspace = await createWorkspace();
    image = await ensureTestServerImage(docker, workspace.serverScript);
  }, 120_000);

  afterEach(async () => {
    await Promise.all(started.splice(0).map((instance) => instance.stop(0)));
    await Promise.all(foreign.splice(0).map((container) => container.remove({ force: true }).catch(() => undefined)));
  });

  afterAll(async () => {
    await workspace.remove();
  });

  async function launch(flags: readonly string[], overrides: Partial<InstanceLaunch> = {}): Promise<InstanceLaunch> {
    counter += 1;
    return {
      instanceId: `docker-${runId}-${counter}`,
      service: 'web',
      environment: 'dev',
      release: 'v7',
      directory: workspace.dir,
      command: ['node', TEST_SERVER_PATH, ...flags],
      env: { GREETING: 'hello' },
      port: await freePort(),
      resources: {},
      logDir: workspace.logDir,
      image,
      ...overrides,
    };
  }

  async function start(flags: readonly string[] = [], overrides: Partial<InstanceLaunch> = {}): Promise<RunningInstance> {
    const instance = await driver.start(await launch(flags, overrides));
    started.push(instance);
    return instance;
  }

  it('labels the container for its service, environment, release and instance, with init and no restart policy', async () => {
    const instance = await start([], { resources: { memory: 128 * 1024 * 1024, cpu: 0.5, pids: 64 } });
    await waitFor('the instance to answer', () => getInstance(instance.handle.port));
    const info = await docker.getContainer(instance.handle.containerId!).inspect();
    expect(info.Config.Labels).toMatchObject({
      'skiff.managed': 'true',
      'skiff.instance': instance.handle.instanceId,
      'skiff.service': 'web',
      'skiff.environment': 'dev',
      'skiff.release': 'v7',
    });
    expect(info.HostConfig).toMatchObject({ Init: true, Memory: 128 * 1024 * 1024, NanoCpus: 500_000_000, PidsLimit: 64 });
    expect(info.HostConfig.RestartPolicy?.Name).toBe('no');
    expect(info.HostConfig.PortBindings).toEqual({ [`${instance.handle.port}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: String(instance.handle.port) }] });
    expect(driver.capabilities.resourceLimits.enforced).toBe(true);
  });

  it('has the engine kill an instance that allocates past its memory limit, and reports OOM', async () => {
    const instance = await start(['--allocate'], { resources: { memory: 64 * 1024 * 1024 } });
    const exit = await within(instance.exited, 15_000, 'the OOM kill');
    expect(exit).toEqual({ exitCode: null, signal: 'SIGKILL', oomKilled: true });
    expect(await readFile(instance.handle.logPath, 'utf8')).not.toContain('allocated 1GiB without being stopped');
    await waitFor('the container to be removed', async () => (await docker.getContainer(instance.handle.containerId!).inspect().catch(() => null)) === null);
  });

  it('appends the container output, stdout and stderr, to the instance log file', async () => {
    const instance = await start();
    await waitFor('the output in the log file', async () => {
      const text = await readFile(instance.handle.logPath, 'utf8').catch(() => '');
      return text.includes('hello on stdout') && text.includes('hello on stderr') && text.includes(`listening on ${instance.handle.port}`);
    });
    expect(instance.handle.logPath).toBe(join(workspace.logDir, `${instance.handle.instanceId}.log`));
  });

  it('rejects an image the engine does not have with SKIFF_DOCKER_IMAGE_MISSING', async () => {
    const error = await rejection(driver.start(await launch([], { image: 'skiff-no-such-image:0' })));
    expect(isSkiffError(error) && error.code).toBe('SKIFF_DOCKER_IMAGE_MISSING');
    expect((error as Error).message).toContain('skiff-no-such-image:0');
  });

  it('never touches a container Skiff did not start, even when a handle names it', async () => {
    const plain = await docker.createContainer({ Image: image, Cmd: ['node', '-e', 'setInterval(() => {}, 1000)'], Labels: { owner: 'someone else' } });
    foreign.push(plain);
    await plain.start();
    // Labelled as Skiff's, but as another instance.
    const other = await docker.createContainer({
      Image: image,
      Cmd: ['node', '-e', 'setInterval(() => {}, 1000)'],
      Labels: { 'skiff.managed': 'true', 'skiff.instance': 'someone-elses' },
    });
    foreign.push(other);
    await other.start();
    const handle = (containerId: string): InstanceHandle => ({
      driver: 'docker',
      instanceId: `docker-${runId}-foreign`,
      pid: 1,
      startTime: 0,
      port: 1,
      logPath: join(workspace.logDir, 'foreign.log'),
      cgroups: [],
      containerId,
    });
    expect(await driver.recover(handle(plain.id))).toBeNull();
    expect(await driver.recover(handle(other.id))).toBeNull();
    await plain.stop({ t: 0 });
    expect(await driver.recover(handle(plain.id))).toBeNull();
    expect((await other.inspect()).State.Running).toBe(true);
    expect((await plain.inspect()).State.Status).toBe('exited');
  });

  it('keeps the container running and logging when its control plane dies, and a new one adopts it without losing or repeating lines', async () => {
    const modules = join(workspace.dir, 'compiled');
    const entry = await transpileForNode(resolve('src/drivers/docker/index.ts'), resolve('src'), modules);
    // The compiled driver imports dockerode: let it find this repository's node_modules.
    await symlink(resolve('node_modules'), join(modules, 'node_modules'));
    const starter = join(workspace.dir, 'control-plane.mjs');
    await writeFile(
      starter,
      [
        `const { createDockerDriver } = await import(${JSON.stringify(pathToFileURL(entry).href)});`,
        `const instance = await createDockerDriver().start(JSON.parse(process.argv[2]));`,
        `const wait = Date.now() + 5000;`,
        // Dies once its log pump has copied some lines, right after handing over the handle.
        `const { readFileSync } = await import('node:fs');`,
        `while (Date.now() < wait && !readFileSync(instance.handle.logPath, 'utf8').includes('tick 50 ')) await new Promise((r) => setTimeout(r, 20));`,
        `process.stdout.write(JSON.stringify(instance.handle) + '\\n', () => process.kill(process.pid, 'SIGKILL'));`,
      ].join('\n'),
    );
    const instanceLaunch = await launch(['--tick']);
    const controlPlane = spawn(process.execPath, [starter, JSON.stringify(instanceLaunch)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    controlPlane.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const signal = await within(new Promise((done) => controlPlane.once('close', (_code, killed) => done(killed))), 15_000, 'the control plane to exit');
    expect(signal).toBe('SIGKILL');
    const handle = JSON.parse(output) as InstanceHandle;
    const ticksIn = async (): Promise<number[]> =>
      [...(await readFile(handle.logPath, 'utf8')).matchAll(/^tick (\d+) /gm)].map((match) => Number(match[1]));
    const before = await ticksIn();
    expect(before.length).toBeGreaterThanOrEqual(50);

    const last = before[before.length - 1] as number;
    // Lines written while no control plane runs are in the engine, not yet in the file.
    await waitFor('the container to log on without a control plane', async () => {
      const tail = (await docker.getContainer(handle.containerId!).logs({ stdout: true, tail: 1 })) as unknown as Buffer;
      return Number(/tick (\d+) /.exec(tail.toString())?.[1] ?? 0) > last + 100;
    });
    const recovered = await driver.recover(handle);
    expect(recovered).not.toBeNull();
    started.push(recovered!);
    await waitFor('lines from after the adoption', async () => (await ticksIn()).some((n) => n > last + 200), { timeoutMs: 5000 });
    await within(recovered!.stop(1000), 5000, 'stop of the adopted container');
    const ticks = await ticksIn();
    expect(ticks).toEqual(ticks.map((_, index) => index + 1));
    expect(await getInstance(handle.port)).toBeNull();
    expect(await driver.recover(handle)).toBeNull();
  }, 30_000);
});
