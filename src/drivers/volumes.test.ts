/**
 * Volumes through the real drivers: a process instance finds its directory in SKIFF_VOLUME_<NAME>,
 * a container gets a labelled named volume at the spec's path; both keep data across instances
 * and restore from a backup. The docker half is skipped, loudly, only without an engine.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listArchive } from '../artifacts/tar-unpack.js';
import { packDirectory } from '../artifacts/tar-pack.js';
import type { InstanceLaunch, RunningInstance } from './driver.js';
import { createDockerDriver } from './docker/docker-driver.js';
import { engineForTests, ensureTestServerImage, TEST_SERVER_PATH } from './docker/testing/test-image.js';
import { createProcessDriver } from './process/process-driver.js';
import { createWorkspace, freePort, getInstance, waitFor } from './testing/fixtures.js';
import type { Workspace } from './testing/fixtures.js';
import { dockerVolumeName, volumeDirectory } from './volumes.js';

const engine = await engineForTests();
if (!engine.reachable) console.warn(`\n!!! SKIPPING the docker volume tests: no Docker engine is reachable (${engine.reason}).\n`);

let workspace: Workspace;
const started: RunningInstance[] = [];
beforeAll(async () => {
  workspace = await createWorkspace();
});
afterAll(async () => {
  await Promise.all(started.splice(0).map((instance) => instance.stop(0)));
  await workspace.remove();
});

const ref = { environment: 'dev', service: 'orders', name: 'data' } as const;

async function launch(id: string, overrides: Partial<InstanceLaunch> = {}): Promise<InstanceLaunch> {
  return {
    instanceId: id,
    service: 'orders',
    environment: 'dev',
    release: 'v1',
    directory: workspace.dir,
    command: ['node', workspace.serverScript],
    env: {},
    port: await freePort(),
    resources: {},
    logDir: workspace.logDir,
    volumes: [{ name: 'data', path: '/var/lib/orders' }],
    ...overrides,
  };
}

async function archiveOf(files: Record<string, string>): Promise<string> {
  const dir = join(workspace.dir, `archive-${Math.random().toString(36).slice(2, 8)}`);
  await mkdir(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  await packDirectory(dir, `${dir}.tar`);
  return `${dir}.tar`;
}

describe('process driver volumes', () => {
  it('gives the instance its directory under the data dir, kept for the next instance, and restores a backup', async () => {
    const dataDir = join(workspace.dir, 'data');
    const driver = createProcessDriver({ dataDir, baseEnv: { PATH: process.env.PATH ?? '' }, resourceLimits: 'off' });
    const first = await driver.start(await launch('vol-p-1'));
    started.push(first);
    const answer = await waitFor('the instance to answer', () => getInstance(first.handle.port));
    const directory = volumeDirectory(dataDir, ref);
    expect(answer.env.SKIFF_VOLUME_DATA).toBe(directory);
    await writeFile(join(directory, 'orders.json'), 'old');
    expect(await driver.volumes!.exists(ref)).toBe(true);
    expect(await driver.volumes!.exists({ ...ref, environment: 'production' })).toBe(false);

    const backup = join(workspace.dir, 'p-backup.tar');
    expect(await driver.volumes!.backup(ref, backup)).toBeGreaterThan(0);
    await first.stop(1000);
    await writeFile(join(directory, 'orders.json'), 'new');
    await writeFile(join(directory, 'extra'), 'x');

    const second = await driver.start(await launch('vol-p-2'));
    started.push(second);
    expect((await waitFor('the second instance', () => getInstance(second.handle.port))).env.SKIFF_VOLUME_DATA).toBe(directory);
    expect(await readFile(join(directory, 'orders.json'), 'utf8')).toBe('new');
    await second.stop(1000);

    await driver.volumes!.restore(ref, backup);
    expect(await readFile(join(directory, 'orders.json'), 'utf8')).toBe('old');
    await expect(readFile(join(directory, 'extra'))).rejects.toThrow();
  });
});

describe.runIf(engine.reachable)('docker driver volumes', () => {
  const docker = (engine as { docker: Docker }).docker;
  const scope = `t${Math.random().toString(36).slice(2, 8)}`;
  const driver = createDockerDriver({ volumeScope: scope });
  let image: string;

  beforeAll(async () => {
    image = await ensureTestServerImage(docker, workspace.serverScript);
  }, 120_000);

  afterAll(async () => {
    const { Volumes } = await docker.listVolumes({ filters: { label: [`skiff.volume-scope=${scope}`] } });
    await Promise.all((Volumes ?? []).map((volume) => docker.getVolume(volume.Name).remove({ force: true })));
  });

  it('mounts a labelled named volume at the path, kept for the next container, and restores a backup', async () => {
    const overrides = { image, command: ['node', TEST_SERVER_PATH] };
    const first = await driver.start(await launch(`vol-d-${scope}-1`, overrides));
    started.push(first);
    const answer = await waitFor('the container to answer', () => getInstance(first.handle.port), { timeoutMs: 20_000 });
    expect(answer.env.SKIFF_VOLUME_DATA).toBe('/var/lib/orders');
    const name = dockerVolumeName(scope, ref);
    const info = await docker.getContainer(first.handle.containerId!).inspect();
    expect(info.Mounts.map((mount) => [mount.Name, mount.Destination])).toEqual([[name, '/var/lib/orders']]);
    expect((await docker.getVolume(name).inspect()).Labels).toMatchObject({
      'skiff.managed': 'true',
      'skiff.volume-scope': scope,
      'skiff.environment': 'dev',
      'skiff.service': 'orders',
      'skiff.volume': 'data',
    });
    await first.stop(0);

    await driver.volumes!.restore(ref, await archiveOf({ 'orders.json': 'restored' }));
    const backup = join(workspace.dir, 'd-backup.tar');
    await driver.volumes!.backup(ref, backup);
    expect((await listArchive(backup)).map((entry) => entry.path)).toEqual(['orders.json']);
    // A new container mounts the same volume, with what was restored into it.
    const second = await driver.start(await launch(`vol-d-${scope}-2`, overrides));
    started.push(second);
    const mount = (await docker.getContainer(second.handle.containerId!).inspect()).Mounts[0];
    expect(mount?.Name).toBe(name);
    expect(await readFile(join(mount!.Source, 'orders.json'), 'utf8')).toBe('restored');
    await second.stop(0);
  }, 60_000);
});
