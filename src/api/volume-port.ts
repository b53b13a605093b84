/**
 * The port the volume routes serve, apart from the ControlPlane: `main/` wires the control
 * plane's volume operations to it. Its views are plain JSON.
 */
export interface VolumeBackup {
  readonly id: string;
  readonly environment: string;
  readonly service: string;
  readonly volume: string;
  /** The tar file on the server. */
  readonly file: string;
  readonly size: number;
  readonly createdAt: string;
}

export interface VolumeInfo {
  readonly environment: string;
  readonly service: string;
  readonly name: string;
  /** Where a container or pod sees it. */
  readonly path: string;
  readonly driver: string;
  /** Where its data is kept: a directory, a Docker volume, a PersistentVolumeClaim. */
  readonly location: string;
  /** Whether it exists yet; null where Skiff cannot tell (a cluster). */
  readonly exists: boolean | null;
  /** Newest first. */
  readonly backups: readonly VolumeBackup[];
}

export interface VolumeDeleted {
  readonly environment: string;
  readonly service: string;
  readonly volume: string;
  /** Where its data was. */
  readonly location: string;
}

export interface VolumeRequest {
  readonly environment: string;
  readonly service: string;
  readonly name: string;
  readonly author: string;
}

export interface VolumePort {
  /** Throws SKIFF_UNKNOWN_ENVIRONMENT. */
  list(environment?: string): Promise<readonly VolumeInfo[]>;
  /** A tar snapshot of the volume, kept on the server. */
  backup(request: VolumeRequest): Promise<VolumeBackup>;
  /** Throws SKIFF_VOLUME_IN_USE while the service has or wants instances in the environment. */
  restore(request: VolumeRequest & { readonly backup: string }): Promise<VolumeBackup>;
  /** Deletes the volume with its data; SKIFF_VOLUME_IN_USE while the service declares it and has or wants instances. */
  remove(request: VolumeRequest): Promise<VolumeDeleted>;
}
