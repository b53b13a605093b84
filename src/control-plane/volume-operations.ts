/**
 * `skiff volume list|backup|restore|delete`: the volumes of the services in each environment, tar
 * snapshots of them kept under the data dir, a restore that refuses while anything of the
 * service runs (it would write into files being replaced, or read half of the old and new), and
 * the only way a volume's data is ever deleted (a volume left out of the spec keeps its data).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { VolumeBackup, VolumeDeleted, VolumeInfo, VolumePort, VolumeRequest } from '../api/volume-port.js';
import type { Clock } from '../core/clock.js';
import { SkiffError } from '../core/errors.js';
import type { VolumeRef, VolumeStorage } from '../drivers/driver.js';
import { resolveEnvironment } from '../spec/desired.js';
import type { DesiredService } from '../spec/desired.js';
import type { DriverKind } from '../spec/schema.js';
import type { NewEvent } from '../store/state-store.js';
import type { DesiredState } from './desired-state.js';
import type { EnvironmentRegistry } from './environment-registry.js';

export interface VolumeOperationsDeps {
  readonly state: DesiredState;
  readonly environments: EnvironmentRegistry;
  /** The volumes of a driver on this machine; undefined for a driver that keeps none. */
  readonly storage: (driver: DriverKind) => VolumeStorage | undefined;
  /** Where snapshots are kept: `<backupDir>/<environment>/<service>/<volume>/<id>.tar`. */
  readonly backupDir: string;
  readonly clock: Clock;
  readonly emit: (event: NewEvent) => void;
}

const backupIdPattern = /^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}$/;

export class VolumeOperations implements VolumePort {
  constructor(private readonly deps: VolumeOperationsDeps) {}

  async list(environment?: string): Promise<VolumeInfo[]> {
    if (environment !== undefined) this.deps.state.assertEnvironment(environment);
    const environments = environment === undefined ? this.deps.state.environmentNames() : [environment];
    const volumes: VolumeInfo[] = [];
    for (const name of environments) {
      for (const service of this.desiredServices(name)) {
        for (const volume of service.volumes) {
          const ref = { environment: name, service: service.name, name: volume.name };
          const storage = this.storageOf(name, service.driver);
          volumes.push({
            ...ref,
            path: volume.path,
            driver: service.driver,
            location: storage?.describe(ref) ?? `a PersistentVolumeClaim in the ${name} cluster`,
            // An engine that does not answer makes it unknown, not the whole list fail.
            exists: storage ? await storage.exists(ref).catch(() => null) : null,
            backups: await this.backups(ref),
          });
        }
      }
    }
    return volumes;
  }

  async backup(target: VolumeRequest): Promise<VolumeBackup> {
    const { storage } = this.require(target);
    if (!(await storage.exists(target))) {
      throw new SkiffError('SKIFF_NOT_FOUND', `volume ${describe(target)} holds nothing yet`, { hint: 'it is created when an instance of the service first starts' });
    }
    const id = `${new Date(this.deps.clock.now()).toISOString().replace(/[-:]|\.\d+/g, '')}-${randomBytes(3).toString('hex')}`;
    const directory = this.backupDirectory(target);
    await mkdir(directory, { recursive: true, mode: 0o700 });
    const file = path.join(directory, `${id}.tar`);
    const partial = `${file}.partial`;
    try {
      await storage.backup(target, partial);
      // Only a complete snapshot ever has the name a restore looks for.
      await rename(partial, file);
    } finally {
      await rm(partial, { force: true });
    }
    const backup = await this.backupInfo(target, id);
    this.deps.emit({
      type: 'volume.backed-up',
      environment: target.environment,
      service: target.service,
      actor: target.author,
      message: `volume ${target.name} of ${target.service} backed up as ${id} (${backup.size} bytes)`,
      data: { volume: target.name, backup: id, size: backup.size },
    });
    return backup;
  }

  async restore(target: VolumeRequest & { readonly backup: string }): Promise<VolumeBackup> {
    const { storage, service } = this.require(target);
    if (!backupIdPattern.test(target.backup)) {
      throw new SkiffError('SKIFF_BAD_REQUEST', `"${target.backup}" is not a backup id`, { hint: `ids look like 20261206T150405Z-1a2b3c: skiff volume list --env ${target.environment}` });
    }
    const backup = await this.backupInfo(target, target.backup);
    const running = (this.deps.environments.get(target.environment)?.instances() ?? []).filter((instance) => instance.service === target.service);
    if (service.instances > 0 || running.length > 0) {
      throw new SkiffError(
        'SKIFF_VOLUME_IN_USE',
        `${target.service} runs ${Math.max(service.instances, running.length)} instance(s) in ${target.environment}: a restore would replace files under them`,
        { hint: `stop it first (skiff scale ${target.service}=0 --env ${target.environment}), restore, then scale it back` },
      );
    }
    await storage.restore(target, backup.file);
    this.deps.emit({
      type: 'volume.restored',
      environment: target.environment,
      service: target.service,
      actor: target.author,
      message: `volume ${target.name} of ${target.service} restored from ${backup.id}`,
      data: { volume: target.name, backup: backup.id },
    });
    return backup;
  }

  /**
   * Deletes a volume with its data. Refused (SKIFF_VOLUME_IN_USE) while the service declares it and
   * has or wants instances; a volume no longer in the spec (its data kept) can always go.
   */
  async remove(target: VolumeRequest): Promise<VolumeDeleted> {
    this.deps.state.assertEnvironment(target.environment);
    this.deps.state.assertService(target.service);
    const service = this.desiredServices(target.environment).find((candidate) => candidate.name === target.service);
    const running = (this.deps.environments.get(target.environment)?.instances() ?? []).filter((instance) => instance.service === target.service);
    if (service?.volumes.some((volume) => volume.name === target.name) && (service.instances > 0 || running.length > 0)) {
      throw new SkiffError(
        'SKIFF_VOLUME_IN_USE',
        `${target.service} runs ${Math.max(service.instances, running.length)} instance(s) in ${target.environment} with volume ${target.name}: deleting it would take their data`,
        { hint: `stop it first (skiff scale ${target.service}=0 --env ${target.environment}), or remove the volume from the service and apply` },
      );
    }
    const storage = service ? this.storageOf(target.environment, service.driver) : undefined;
    if (!storage) {
      throw new SkiffError('SKIFF_NOT_SUPPORTED', `volume ${describe(target)} cannot be reached now`, {
        hint: this.isLocal(target.environment)
          ? `${target.service} keeps no volumes on this machine`
          : `${target.environment} does not run yet: deploy to it first (skiff status --env ${target.environment})`,
      });
    }
    const location = storage.describe(target);
    if (!(await storage.remove(target))) throw new SkiffError('SKIFF_NOT_FOUND', `volume ${describe(target)} does not exist (${location})`, { hint: `skiff volume list --env ${target.environment}`, path: 'volume' });
    this.deps.emit({
      type: 'volume.deleted',
      environment: target.environment,
      service: target.service,
      actor: target.author,
      message: `volume ${target.name} of ${target.service} deleted with its data (${location})`,
      data: { volume: target.name },
    });
    return { environment: target.environment, service: target.service, volume: target.name, location };
  }

  /** Where the volumes of a service are kept: its driver's on this machine, or what its environment's provider keeps (a cluster's claims, once the environment runs). */
  private storageOf(environment: string, driver: DriverKind): Pick<VolumeStorage, 'describe' | 'exists' | 'remove'> | undefined {
    if (this.isLocal(environment)) return this.deps.storage(driver);
    return this.deps.environments.get(environment)?.provider.volumes;
  }

  private desiredServices(environment: string): readonly DesiredService[] {
    const runtime = this.deps.environments.get(environment)?.desiredEnvironment();
    if (runtime) return runtime.services;
    const revision = this.deps.state.latest();
    return revision ? resolveEnvironment(revision.spec, environment, this.deps.state.releasesOf(revision, environment)).services : [];
  }

  private isLocal(environment: string): boolean {
    return (this.deps.state.latest()?.spec.environments[environment]?.provider ?? 'local') === 'local';
  }

  private require(ref: VolumeRef): { storage: VolumeStorage; service: DesiredService } {
    this.deps.state.assertEnvironment(ref.environment);
    this.deps.state.assertService(ref.service);
    const service = this.desiredServices(ref.environment).find((candidate) => candidate.name === ref.service);
    const volume = service?.volumes.find((candidate) => candidate.name === ref.name);
    if (!service || !volume) {
      const known = service?.volumes.map((candidate) => candidate.name) ?? [];
      throw new SkiffError('SKIFF_NOT_FOUND', `${ref.service} has no volume "${ref.name}" in ${ref.environment}`, {
        hint: known.length > 0 ? `its volumes: ${known.join(', ')}` : 'add `volumes: { NAME: { path: /var/lib/... } }` to the service and deploy it',
        path: 'volume',
      });
    }
    const storage = this.isLocal(ref.environment) ? this.deps.storage(service.driver) : undefined;
    if (!storage) {
      throw new SkiffError('SKIFF_NOT_SUPPORTED', `volume ${describe(ref)} is not kept on this machine`, {
        hint: 'Skiff backs up the volumes of local environments; back up a PersistentVolumeClaim with the cluster\'s own tools',
      });
    }
    return { storage, service };
  }

  private backupDirectory(ref: VolumeRef): string {
    return path.join(this.deps.backupDir, ref.environment, ref.service, ref.name);
  }

  private async backups(ref: VolumeRef): Promise<VolumeBackup[]> {
    const names = await readdir(this.backupDirectory(ref)).catch(() => [] as string[]);
    const ids = names.filter((name) => name.endsWith('.tar')).map((name) => name.slice(0, -4)).filter((id) => backupIdPattern.test(id));
    return Promise.all(ids.sort().reverse().map((id) => this.backupInfo(ref, id)));
  }

  private async backupInfo(ref: VolumeRef, id: string): Promise<VolumeBackup> {
    const file = path.join(this.backupDirectory(ref), `${id}.tar`);
    const info = await stat(file).catch(() => null);
    if (!info) throw new SkiffError('SKIFF_NOT_FOUND', `volume ${describe(ref)} has no backup ${id}`, { hint: 'skiff volume list shows the backups', path: 'backup' });
    return { id, environment: ref.environment, service: ref.service, volume: ref.name, file, size: info.size, createdAt: info.mtime.toISOString() };
  }
}

function describe(ref: VolumeRef): string {
  return `${ref.name} of ${ref.service} in ${ref.environment}`;
}
