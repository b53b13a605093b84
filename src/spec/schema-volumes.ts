/**
 * A service's volumes: persistent directories its instances keep across releases and restarts,
 * one per environment. The name becomes part of a Docker volume name, a Kubernetes
 * PersistentVolumeClaim and an environment variable, so it must be a DNS label; the path is
 * where a container (or a pod) sees it.
 */
import { posix } from 'node:path';
import { z } from 'zod';
import type { SpecIssueParams } from './schema-values.js';
import type { VolumeMount } from './volume-env.js';

/**
 * Where a volume may be mounted in a container: below these directories only, so a mount never
 * hides the image's own files (`/`, `/usr`, `/etc`, the app's code).
 */
export const volumeRoots = ['/var/lib', '/srv', '/data', '/mnt'] as const;

const dnsLabel = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export function isInsideVolumeRoot(path: string): boolean {
  if (!path.startsWith('/') || posix.normalize(path) !== path.replace(/\/$/, '') || path.split('/').includes('..')) return false;
  return volumeRoots.some((root) => path.startsWith(`${root}/`) && path.length > root.length + 1);
}

export const volumeNameSchema = z
  .string()
  .regex(dnsLabel, 'a volume name must be a DNS label: lowercase letters, digits and dashes, at most 63, not starting or ending with a dash');

export const volumeSchema = z
  .strictObject({
    path: z
      .string()
      .min(1)
      .refine(isInsideVolumeRoot, {
        message: `a volume path must be an absolute, normalized path below ${volumeRoots.join(', ')}`,
        params: { hint: 'e.g. `path: /var/lib/orders`; a process instance finds the directory in $SKIFF_VOLUME_<NAME>' } satisfies SpecIssueParams,
      })
      .describe('where a container or pod sees the volume; a process instance gets its directory in $SKIFF_VOLUME_<NAME>'),
  })
  .describe('a persistent directory, kept across releases and restarts, one per environment');

export const volumesSchema = z
  .record(volumeNameSchema, volumeSchema)
  .default({})
  .describe('persistent directories of the instances, by name (a DNS label)');

export type VolumeSpec = z.output<typeof volumeSchema>;

export { volumeEnvName } from './volume-env.js';
export type { VolumeMount } from './volume-env.js';

export function volumeMounts(volumes: Readonly<Record<string, VolumeSpec>> | undefined): readonly VolumeMount[] {
  return Object.entries(volumes ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, volume]) => ({ name, path: volume.path }));
}
