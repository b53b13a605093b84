/**
 * Docker mode's storage for PersistentVolumeClaims: one named Docker volume per claim (by the
 * claim's uid, so a claim deleted and created again starts empty), backed by a directory of the
 * fake's data dir that any user may write (as a local-path provisioner's are: the pods of Skiff's
 * base image run as uid 1000). Every pod that mounts the claim mounts that volume, so what one
 * release's pod wrote the next one reads. The volume goes when its claim does, and all of them
 * when the fake stops.
 */
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import type { KubeObject } from '../store.js';

export const CLAIM_VOLUME_PREFIX = 'skiff-kube-fake-pvc-';

export class ClaimVolumes {
  constructor(
    private readonly docker: Docker,
    private readonly dataDir: string,
    /** The label (key and value) every volume of this fake carries, to find them again. */
    private readonly label: readonly [string, string],
  ) {}

  static volumeName(claimUid: string): string {
    return `${CLAIM_VOLUME_PREFIX}${claimUid}`;
  }

  /** The claim's Docker volume, created on first use. */
  async ensure(claim: KubeObject): Promise<string> {
    const uid = claim.metadata.uid ?? '';
    const name = ClaimVolumes.volumeName(uid);
    const exists = await this.docker.getVolume(name).inspect().then(() => true, () => false);
    if (exists) return name;
    const directory = this.directoryOf(uid);
    mkdirSync(directory, { recursive: true });
    chmodSync(directory, 0o777);
    await this.docker.createVolume({
      Name: name,
      Driver: 'local',
      DriverOpts: { type: 'none', o: 'bind', device: directory },
      Labels: { [this.label[0]]: this.label[1], 'io.kubernetes.pvc.name': claim.metadata.name, 'io.kubernetes.pvc.namespace': claim.metadata.namespace ?? '' },
    });
    return name;
  }

  /** The volume of a claim that is gone, and its data; false when a container still refers to it (the engine refuses). */
  async remove(claimUid: string): Promise<boolean> {
    const removed = await this.docker
      .getVolume(ClaimVolumes.volumeName(claimUid))
      .remove()
      .then(() => true, (error: { statusCode?: number }) => error.statusCode === 404);
    if (removed) rmSync(this.directoryOf(claimUid), { recursive: true, force: true });
    return removed;
  }

  async close(): Promise<void> {
    const { Volumes } = await this.docker.listVolumes({ filters: { label: [`${this.label[0]}=${this.label[1]}`] } });
    await Promise.all((Volumes ?? []).map((volume) => this.docker.getVolume(volume.Name).remove().catch(() => undefined)));
    rmSync(path.join(this.dataDir, 'claims'), { recursive: true, force: true });
  }

  private directoryOf(claimUid: string): string {
    return path.join(this.dataDir, 'claims', claimUid);
  }
}
