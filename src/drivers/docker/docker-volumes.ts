/**
 * The docker driver's volumes: named volumes created with Skiff's labels before a container
 * mounts them (so `docker volume ls --filter label=skiff.managed=true` finds them, and nothing
 * else is ever touched), backed up and restored through the directory the local engine keeps
 * each one in (the engine runs on this machine, as the local provider's containers do).
 */
import type Docker from 'dockerode';
import { SkiffError } from '../../core/errors.js';
import type { VolumeRef, VolumeStorage } from '../driver.js';
import { backupDirectory, restoreDirectory, dockerVolumeName } from '../volumes.js';
import { skiffLabels, volumeLabels } from './container-spec.js';
import { engineStatusCode } from './engine.js';

/** Creates each missing volume with its labels; an existing one without Skiff's labels is refused. */
export async function ensureDockerVolumes(docker: Docker, scope: string, refs: readonly VolumeRef[]): Promise<void> {
  for (const ref of refs) {
    const name = dockerVolumeName(scope, ref);
    const existing = await inspectVolume(docker, name);
    if (existing === null) {
      await docker.createVolume({ Name: name, Labels: volumeLabels(scope, ref) });
    } else if (existing.Labels?.[skiffLabels.managed] !== 'true') {
      throw new SkiffError('SKIFF_DRIVER_START_FAILED', `the Docker volume ${name} exists but was not created by Skiff`, {
        hint: `remove or rename it (docker volume rm ${name}) if its data is not needed`,
      });
    }
  }
}

async function inspectVolume(docker: Docker, name: string): Promise<Docker.VolumeInspectInfo | null> {
  try {
    return await docker.getVolume(name).inspect();
  } catch (error) {
    if (engineStatusCode(error) === 404) return null;
    throw error;
  }
}

export function dockerVolumeStorage(docker: Docker, scope: string): VolumeStorage {
  async function directoryOf(ref: VolumeRef): Promise<string> {
    const name = dockerVolumeName(scope, ref);
    const info = await inspectVolume(docker, name);
    if (info === null) throw new SkiffError('SKIFF_NOT_FOUND', `the Docker volume ${name} does not exist yet`, { hint: 'it is created when an instance using it starts' });
    if (info.Driver !== 'local' || !info.Mountpoint) {
      throw new SkiffError('SKIFF_NOT_SUPPORTED', `the Docker volume ${name} uses the "${info.Driver}" driver: only local volumes can be backed up by Skiff`);
    }
    return info.Mountpoint;
  }
  return {
    describe: (ref) => `docker volume ${dockerVolumeName(scope, ref)}`,
    exists: async (ref) => (await inspectVolume(docker, dockerVolumeName(scope, ref))) !== null,
    backup: async (ref, tarPath) => backupDirectory(await directoryOf(ref), tarPath),
    restore: async (ref, tarPath) => restoreDirectory(await directoryOf(ref), tarPath),
    remove: async (ref) => {
      const name = dockerVolumeName(scope, ref);
      try {
        await docker.getVolume(name).remove();
        return true;
      } catch (error) {
        if (engineStatusCode(error) === 404) return false;
        if (engineStatusCode(error) === 409) throw new SkiffError('SKIFF_VOLUME_IN_USE', `the Docker volume ${name} is in use by a container`, { hint: `docker ps -a --filter volume=${name}` });
        throw error;
      }
    },
  };
}
