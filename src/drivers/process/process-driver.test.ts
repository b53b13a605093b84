/** What only the process driver does: log files, environment, spawn errors, cgroups, surviving its control plane. */
import { testBaseEnv } from '../testing/fixtures.js';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isSkiffError } from '../../core/errors.js';
import type { InstanceHandle, InstanceLaunch, RunningInstance } from '../driver.js';
import { createWorkspace, freePort, getInstance, waitFor, within } from '../testing/fixtures.js';
import type { Workspace } from '../testing/fixtures.js';
import { transpileForNode } from '../testing/transpile.js';
import { rotateLogIfLarge } from './log-rotation.js';
import { createProcessDriver } from './process-driver.js';

let workspace: Workspace;
const limitsEnforced = createProcessDriver({ dataDir: '/tmp', baseEnv: testBaseEnv }).capabilities.resourceLimits.enforced;
const started: RunningInstance[] = [];
let counter = 0;

beforeAll(async () => {
  workspace = await createWorkspace();
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((instance) => instance.stop(0)));
});

afterAll(async () => {
  await workspace.remove();
});

async function launch(overrides: Partial<InstanceLaunch> = {}, ...flags: string[]): Promise<InstanceLaunch> {
  counter += 1;
  return {
    instanceId: `proc-${process.pid}-${counter}`,
    service: 'web',
    environment: 'dev',
    release: 'v1',
    directory: workspace.dir,
    command: [process.execPath, workspace.serverScript, ...flags],
    env: {},
    port: await freePort(),
    resources: {},
    logDir: workspace.logDir,
    ...overrides,
  };
}

const driver = () => createProcessDriver({ dataDir: workspace.dir, baseEnv: testBaseEnv });

async function startAnswering(instanceLaunch: InstanceLaunch): Promise<RunningInstance> {
  const instance = await driver().start(instanceLaunch);
  started.push(instance);
  await waitFor('the instance to answer HTTP', () => getInstance(instance.handle.port));
  return instance;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected a rejection'),
    (error: unknown) => error,
  );
}

describe('process driver', () => {
  it('writes stdout and stderr to the instance log file', async () => {
    const instance = await startAnswering(await launch());
    const log = await waitFor('both lines in the log', async () => {
      const text = await readFile(instance.handle.logPath, 'utf8');
      return text.includes('hello on stdout') && text.includes('hello on stderr') && text;
    });
    expect(log).toContain(`listening on ${instance.handle.port}`);
  });

  it('gives the instance PATH, HOME, LANG, its own env and PORT, and nothing else from the control plane', async () => {
    process.env.SKIFF_TEST_CONTROL_PLANE_SECRET = 'must-not-leak';
    try {
      const instance = await startAnswering(await launch({ env: { DATABASE_URL: 'sqlite://x' } }));
      const answer = await getInstance(instance.handle.port);
      expect(answer?.env.DATABASE_URL).toBe('sqlite://x');
      expect(answer?.env.PORT).toBe(String(instance.handle.port));
      expect(answer?.env.PATH).toBe(process.env.PATH);
      expect(answer?.env.SKIFF_TEST_CONTROL_PLANE_SECRET).toBeUndefined();
    } finally {
      delete process.env.SKIFF_TEST_CONTROL_PLANE_SECRET;
    }
  });

  it('keeps the instance writing to its log across copy-truncate rotations', async () => {
    const instance = await startAnswering(await launch({}, '--tick'));
    const path = instance.handle.logPath;
    const lastTick = (text: string): number => Math.max(0, ...[...text.matchAll(/tick (\d+)/g)].map((m) => Number(m[1])));
    await waitFor('the log to grow', async () => (await readFile(path)).length > 4096);
    expect(await rotateLogIfLarge(path, { maxBytes: 1024, keep: 2 })).toBe(true);
    const rotated = await readFile(`${path}.1`, 'utf8');
    expect(rotated).toContain('hello on stdout');
    const before = lastTick(rotated);
    const after = await waitFor('new lines after the rotation', async () => {
      const text = await readFile(path, 'utf8');
      return lastTick(text) > before + 5 && text;
    });
    // Append mode: the writes continue at the new end, not at the old offset behind a hole of NULs.
    expect(after.startsWith('tick ')).toBe(true);
    expect(after).not.toContain('\0');

    await waitFor('the log to grow again', async () => (await readFile(path)).length > 2048);
    expect(await rotateLogIfLarge(path, { maxBytes: 1024, keep: 2 })).toBe(true);
    expect(await readFile(`${path}.2`, 'utf8')).toBe(rotated);
    expect(await rotateLogIfLarge(path, { maxBytes: 1024 * 1024, keep: 2 })).toBe(false);
  });

  it('rejects a command that does not exist with SKIFF_DRIVER_START_FAILED naming it', async () => {
    const error = await rejection(driver().start(await launch({ command: ['skiff-no-such-command', '--flag'] })));
    expect(isSkiffError(error) && error.code).toBe('SKIFF_DRIVER_START_FAILED');
    expect((error as Error).message).toContain('skiff-no-such-command');
    expect((error as Error).message).toContain(workspace.dir);
  });

  it('rejects a missing service directory with SKIFF_SERVICE_DIRECTORY_MISSING', async () => {
    const directory = join(workspace.dir, 'no-such-dir');
    const error = await rejection(driver().start(await launch({ directory })));
    expect(isSkiffError(error) && error.code).toBe('SKIFF_SERVICE_DIRECTORY_MISSING');
    expect((error as Error).message).toContain(directory);
  });

  it('keeps the instance running when the control plane that started it is killed, and a new one adopts it', async () => {
    const modules = join(workspace.dir, 'compiled');
    const entry = await transpileForNode(resolve('src/drivers/process/index.ts'), resolve('src'), modules);
    const starter = join(workspace.dir, 'control-plane.mjs');
    await writeFile(
      starter,
      [
        `const { createProcessDriver } = await import(${JSON.stringify(pathToFileURL(entry).href)});`,
        `const driver = createProcessDriver({ dataDir: process.argv[2], baseEnv: { PATH: process.env.PATH ?? '' } });`,
        `const instance = await driver.start(JSON.parse(process.argv[3]));`,
        // Dies the hard way, right after handing over the handle.
        `process.stdout.write(JSON.stringify(instance.handle) + '\\n', () => process.kill(process.pid, 'SIGKILL'));`,
      ].join('\n'),
    );
    const instanceLaunch = await launch({ resources: { pids: 64 } });
    const controlPlane = spawn(process.execPath, [starter, workspace.dir, JSON.stringify(instanceLaunch)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    controlPlane.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const signal = await within(
      new Promise((done) => controlPlane.once('close', (_code, killed) => done(killed))),
      10_000,
      'the short-lived control plane to exit',
    );
    expect(signal).toBe('SIGKILL');
    const handle = JSON.parse(output) as InstanceHandle;
    if (limitsEnforced) expect(handle.cgroups.length).toBeGreaterThan(0);

    const answer = await waitFor('the orphaned instance to answer', () => getInstance(handle.port));
    expect(answer.pid).toBe(handle.pid);

    const recovered = await driver().recover(handle);
    expect(recovered).not.toBeNull();
    started.push(recovered!);
    expect((await driver().usage(handle))?.rssBytes).toBeGreaterThan(0);
    const exit = await within(recovered!.stop(2000), 3000, 'stop of the adopted instance');
    expect(exit.exitCode).toBeNull();
    expect(await getInstance(handle.port)).toBeNull();
    expect(await driver().recover(handle)).toBeNull();
    for (const directory of handle.cgroups) expect(existsSync(directory)).toBe(false);
  });
});

describe('process driver resource limits', () => {
  const limits = createProcessDriver({ dataDir: '/tmp', baseEnv: testBaseEnv }).capabilities.resourceLimits;
  if (!limits.enforced) {
    console.warn(`\n!!! SKIPPING cgroup limit tests: resource limits are not enforced here: ${limits.reason}\n`);
  }

  it('reports why limits are not enforced when they are turned off', () => {
    const off = createProcessDriver({ dataDir: workspace.dir, baseEnv: testBaseEnv, resourceLimits: 'off' }).capabilities.resourceLimits;
    expect(off.enforced).toBe(false);
    expect(off.reason).toMatch(/turned off/);
  });

  it.runIf(limits.enforced)('writes the memory, cpu and pids limits and removes the cgroups after exit', async () => {
    const instance = await startAnswering(
      await launch({ resources: { memory: 256 * 1024 * 1024, cpu: 0.5, pids: 50 } }),
    );
    const { cgroups, pid } = instance.handle;
    expect(cgroups.length).toBeGreaterThan(0);
    const read = async (file: string): Promise<string | undefined> => {
      for (const directory of cgroups) {
        const text = await readFile(join(directory, file), 'utf8').catch(() => undefined);
        if (text !== undefined) return text.trim();
      }
      return undefined;
    };
    expect(await read('pids.max')).toBe('50');
    expect((await read('memory.limit_in_bytes')) ?? (await read('memory.max'))).toBe(String(256 * 1024 * 1024));
    expect((await read('cpu.cfs_quota_us')) ?? (await read('cpu.max'))?.split(' ')[0]).toBe('50000');
    expect((await readFile(join(cgroups[0] as string, 'cgroup.procs'), 'utf8')).split('\n')).toContain(String(pid));

    await instance.stop(2000);
    for (const directory of cgroups) expect(existsSync(directory)).toBe(false);
  });

  it.runIf(limits.enforced)('kills an instance that allocates past its 64Mi memory limit and reports oomKilled', async () => {
    const instance = await driver().start(await launch({ resources: { memory: 64 * 1024 * 1024 } }, '--allocate'));
    started.push(instance);
    const exit = await within(instance.exited, 10_000, 'the OOM kill');
    expect(exit).toEqual({ exitCode: null, signal: 'SIGKILL', oomKilled: true });
  });
});
