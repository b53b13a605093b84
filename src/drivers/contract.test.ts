/**
 * The driver contract: every driver (fake, process and docker) must pass these. Real drivers run
 * real processes (or containers) answering real HTTP on 127.0.0.1. The docker subject runs on the
 * local engine and is left out, loudly, only when no engine is reachable (never in CI).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { testBaseEnv } from './testing/fixtures.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Driver, InstanceLaunch, RunningInstance } from './driver.js';
import { createFakeDriver } from './fake/fake-driver.js';
import type { FakeDriver } from './fake/fake-driver.js';
import { createDockerDriver } from './docker/docker-driver.js';
import { engineForTests, ensureTestServerImage, TEST_SERVER_PATH } from './docker/testing/test-image.js';
import { createProcessDriver } from './process/process-driver.js';
import { createWorkspace, freePort, getInstance, pidAlive, waitFor, within } from './testing/fixtures.js';
import type { Workspace } from './testing/fixtures.js';

interface Subject {
  readonly driver: Driver;
  /** Whether instances are real OS processes with real ports. */
  readonly realProcesses: boolean;
  /** Whether the instance sees the same pids as the host (not so in a container). */
  readonly hostPids: boolean;
  /** Ends the instance abruptly, the way a crash would (kill -9 for processes). */
  crash(instance: RunningInstance): void | Promise<void>;
  /** Adapts the launch to the driver, e.g. the image and the path of the program inside it. */
  adapt?(launch: InstanceLaunch, flags: readonly string[]): InstanceLaunch;
}

const runId = Math.random().toString(36).slice(2, 8);

type SubjectFactory = (workspace: Workspace) => Subject | Promise<Subject>;

const engine = await engineForTests();
if (!engine.reachable) {
  if (process.env.CI) throw new Error(`no Docker engine is reachable in CI: ${engine.reason}`);
  console.warn(`\n!!! SKIPPING the docker driver contract: no Docker engine is reachable (${engine.reason}).\n`);
}

const subjects: Record<string, SubjectFactory> = {
  fake: () => {
    const fake: FakeDriver = createFakeDriver({
      behaviour: (launch) => ({ ignoresTerm: launch.command.includes('--ignore-term') }),
    });
    return {
      driver: fake,
      realProcesses: false,
      hostPids: false,
      crash: (instance) => {
        fake.crash(instance.handle.instanceId, 137, { signal: 'SIGKILL' });
      },
    };
  },
  process: (workspace) => ({
    driver: createProcessDriver({ dataDir: workspace.dir, baseEnv: testBaseEnv }),
    realProcesses: true,
    hostPids: true,
    crash: (instance) => {
      process.kill(instance.handle.pid, 'SIGKILL');
    },
  }),
  ...(engine.reachable
    ? {
        docker: async (workspace: Workspace): Promise<Subject> => {
          const image = await ensureTestServerImage(engine.docker, workspace.serverScript);
          return {
            driver: createDockerDriver(),
            realProcesses: true,
            hostPids: false,
            crash: async (instance) => {
              // What a person (or the kernel) does to a container from outside Skiff.
              await promisify(execFile)('/usr/bin/docker', ['kill', instance.handle.containerId ?? '']);
            },
            adapt: (launch, flags) => ({ ...launch, image, command: ['node', TEST_SERVER_PATH, ...flags] }),
          };
        },
      }
    : {}),
};

describe.each(Object.keys(subjects))('driver contract: %s', (name) => {
  let workspace: Workspace;
  // Only real processes have a process group; for the fake these cases are not registered at all.
  const itWithProcessGroup = name === 'process' ? it : (() => undefined) as unknown as typeof it;
  let subject: Subject;
  const started: RunningInstance[] = [];
  let counter = 0;

  beforeAll(async () => {
    workspace = await createWorkspace();
    subject = await (subjects[name] as SubjectFactory)(workspace);
  }, 120_000);

  afterEach(async () => {
    await Promise.all(started.splice(0).map((instance) => instance.stop(0)));
  });

  afterAll(async () => {
    await workspace.remove();
  });

  async function launch(...flags: string[]): Promise<InstanceLaunch> {
    counter += 1;
    const plain: InstanceLaunch = {
      // Unique per run: a container name outlives a test run that was cut short.
      instanceId: `contract-${name}-${runId}-${counter}`,
      service: 'web',
      environment: 'dev',
      release: 'v1',
      directory: workspace.dir,
      command: [process.execPath, workspace.serverScript, ...flags],
      env: { GREETING: 'hello' },
      port: await freePort(),
      resources: {},
      logDir: workspace.logDir,
    };
    return subject.adapt ? subject.adapt(plain, flags) : plain;
  }

  async function start(...flags: string[]): Promise<RunningInstance> {
    const instance = await subject.driver.start(await launch(...flags));
    started.push(instance);
    if (subject.realProcesses) {
      await waitFor('the instance to answer HTTP', () => getInstance(instance.handle.port));
    }
    return instance;
  }

  it('starts an instance that runs, answers on its port and reports usage', async () => {
    const instance = await start();
    expect(instance.handle.pid).toBeGreaterThan(0);
    expect(instance.handle.driver).toBe(subject.driver.kind);
    if (subject.realProcesses) {
      const answer = await getInstance(instance.handle.port);
      if (subject.hostPids) expect(answer?.pid).toBe(instance.handle.pid);
      expect(answer?.env.GREETING).toBe('hello');
      expect(answer?.env.PORT).toBe(String(instance.handle.port));
    }
    const usage = await subject.driver.usage(instance.handle);
    expect(usage?.rssBytes).toBeGreaterThan(0);
  });

  it('stops an instance: exited settles, stop is idempotent, usage is gone', async () => {
    const instance = await start();
    const exit = await within(instance.stop(2000), 3000, 'stop');
    expect(exit.signal ?? exit.exitCode).not.toBeNull();
    expect(await within(instance.exited, 100, 'exited')).toEqual(exit);
    expect(await instance.stop(2000)).toEqual(exit);
    expect(await subject.driver.usage(instance.handle)).toBeNull();
    if (subject.realProcesses) expect(await getInstance(instance.handle.port)).toBeNull();
  });

  it('settles exited when the instance crashes', async () => {
    const instance = await start();
    await subject.crash(instance);
    const exit = await within(instance.exited, 3000, 'exited after a crash');
    expect(exit.signal).toBe('SIGKILL');
    expect(exit.oomKilled).toBe(false);
  });

  it('recovers a running instance from its handle and can stop it', async () => {
    const instance = await start();
    const handle = JSON.parse(JSON.stringify(instance.handle)) as typeof instance.handle;
    const recovered = await subject.driver.recover(handle);
    expect(recovered?.handle).toEqual(instance.handle);
    await within(recovered!.stop(2000), 3000, 'stop of the recovered instance');
    await within(recovered!.exited, 1000, 'exited of the recovered instance');
    await within(instance.exited, 1000, 'exited of the original instance');
  });

  it('recovers nothing from the handle of an instance that is gone or a reused pid', async () => {
    const instance = await start();
    await instance.stop(2000);
    expect(await subject.driver.recover(instance.handle)).toBeNull();
    const reused = { ...instance.handle, pid: process.pid };
    expect(await subject.driver.recover(reused)).toBeNull();
  });

  it('escalates to SIGKILL when the instance ignores SIGTERM', async () => {
    const instance = await start('--ignore-term');
    const began = Date.now();
    const exit = await within(instance.stop(300), 3000, 'stop');
    expect(Date.now() - began).toBeGreaterThanOrEqual(290);
    expect(exit.signal).toBe('SIGKILL');
  });

  it('reaps an instance by its id alone, as when its handle was never recorded', async () => {
    const instance = await start();
    expect(await subject.driver.reap(instance.handle.instanceId)).toBeGreaterThanOrEqual(1);
    await within(instance.exited, 5000, 'the reaped instance to end');
    expect(await subject.driver.reap(instance.handle.instanceId)).toBe(0);
  });

  it('a later stop with a shorter grace kills at once, while the first still waits out its grace', async () => {
    const instance = await start('--ignore-term');
    const first = instance.stop(60_000);
    const exit = await within(instance.stop(0), 5000, 'the hurried stop');
    expect(exit.signal).toBe('SIGKILL');
    expect(await within(first, 1000, 'the first stop')).toEqual(exit);
  });

  itWithProcessGroup('stops the processes the instance started (its process group)', async () => {
    const instance = await start('--spawn-child');
    const answer = await getInstance(instance.handle.port);
    const childPid = answer?.childPid;
    expect(childPid).toBeGreaterThan(0);
    expect(await pidAlive(childPid!)).toBe(true);
    await instance.stop(2000);
    await waitFor('the child to be gone', async () => !(await pidAlive(childPid!)), { timeoutMs: 2000 });
  });

  itWithProcessGroup('kills what is left of the group when the instance itself crashes', async () => {
    const instance = await start('--spawn-child');
    const childPid = (await getInstance(instance.handle.port))?.childPid;
    expect(childPid).toBeGreaterThan(0);
    await subject.crash(instance);
    await within(instance.exited, 3000, 'exited');
    await waitFor('the orphaned child to be gone', async () => !(await pidAlive(childPid!)), { timeoutMs: 2000 });
  });
});
