/** What only the process driver does: log files, environment, spawn errors, cgroups, surviving its control plane. */
import { testBaseEnv } from '../testing/fixtures.js';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isSkiffError } from '../../core/errors.js';
import type { InstanceHandle, InstanceLaunch, RunningInstance } from '../driver.js';
import { createWorkspace, freePort, getInstance, waitFor, within } from '../testing/fixtures.js';
import type { Workspace } from '../testing/fixtures.js';
import { transpileForNode } from '../testing/transpile.js';
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

  it('keeps the instance writing to its log across rotations', async () => {
    const rotation = { maxBytes: 16 * 1024, keep: 2 };
    const instance = await createProcessDriver({ dataDir: workspace.dir, baseEnv: testBaseEnv, logRotation: rotation }).start(
      await launch({}, '--tick'),
    );
    started.push(instance);
    const path = instance.handle.logPath;
    await waitFor('two rotations', () => existsSync(`${path}.2`), { timeoutMs: 30_000 });
    expect(await readFile(`${path}.2`, 'utf8')).toContain('hello on stdout');
    const lastTick = (text: string): number => Math.max(0, ...[...text.matchAll(/tick (\d+)/g)].map((m) => Number(m[1])));
    const before = lastTick(await readFile(`${path}.1`, 'utf8'));
    await waitFor('new lines after the rotation', async () => lastTick(await readFile(path, 'utf8').catch(() => '')) > before);
  });

  it('bounds the disk its log uses whatever the write rate: rotation is checked on every write', async () => {
    const rotation = { maxBytes: 256 * 1024, keep: 2 };
    const limit = rotation.maxBytes * (rotation.keep + 1);
    // A pipe read: the most one write can add past the limit.
    const writeBuffer = 64 * 1024;
    // Blocking writes straight to the descriptor: as fast as the reader takes them.
    const flood = `const fs = require('node:fs'); const line = 'x'.repeat(1023) + '\\n'; const end = Date.now() + 2000; let n = 0;
      while (Date.now() < end) { fs.writeSync(1, line); n += 1; }
      fs.writeSync(1, 'wrote ' + n * 1024 + ' bytes\\n');`;
    const instanceLaunch = await launch({ command: [process.execPath, '-e', flood] });
    const instance = await createProcessDriver({ dataDir: workspace.dir, baseEnv: testBaseEnv, logRotation: rotation }).start(instanceLaunch);
    started.push(instance);
    const files = (): string[] => [instance.handle.logPath, ...Array.from({ length: rotation.keep + 2 }, (_, i) => `${instance.handle.logPath}.${i + 1}`)];
    const onDisk = async (): Promise<number> => {
      let total = 0;
      for (const file of files()) total += await stat(file).then((info) => info.size, () => 0);
      return total;
    };
    let most = 0;
    let ended = false;
    void instance.exited.then(() => {
      ended = true;
    });
    const deadline = Date.now() + 20_000;
    while (!ended && Date.now() < deadline) most = Math.max(most, await onDisk());
    await within(instance.exited, 20_000, 'the writer to finish');
    const summary = await waitFor('the last line', async () => {
      const text = await readFile(instance.handle.logPath, 'utf8').catch(() => '');
      return /wrote (\d+) bytes/.exec(text);
    });
    // It wrote far more than is kept, and what is kept never went past the limit by more than one write.
    expect(Number(summary[1])).toBeGreaterThan(limit * 4);
    expect(most).toBeLessThanOrEqual(limit + writeBuffer);
    expect(await onDisk()).toBeLessThanOrEqual(limit + writeBuffer);
    expect(existsSync(`${instance.handle.logPath}.${rotation.keep + 1}`)).toBe(false);
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
        // The transpiled copy lives elsewhere: it is told where the log writer is.
        `const driver = createProcessDriver({ dataDir: process.argv[2], baseEnv: { PATH: process.env.PATH ?? '' }, logWriterScript: ${JSON.stringify(resolve('bin/skiff-log-writer.js'))} });`,
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
