/**
 * A release: what one service runs in one environment — an artifact (or, in the environment of
 * `skiff up`, the source directory) plus that environment's config. Immutable and numbered.
 */
import { createHash } from 'node:crypto';
import type { DriverKind, FunctionSettings, Resources, VolumeMount } from './schema.js';

export interface ReleaseContent {
  /** `sha256:…` of the artifact; null when the release runs from its source directory. */
  readonly artifact: string | null;
  /** Absolute directory the instances start in when there is no artifact. */
  readonly sourceDirectory: string | null;
  readonly driver: DriverKind;
  readonly command: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** The version of each secret the release uses, by name; the values stay encrypted in the store. */
  readonly secrets: Readonly<Record<string, number>>;
  readonly resources: Resources;
  /**
   * The container image of a docker service: the image id (`sha256:…`) of a built or pinned
   * image, or the `name:tag` of an `image: { ref }` resolved at each start. Null (or absent, in
   * releases made before images) for process services and for a docker service running from its
   * source directory, whose Dockerfile is built before each start.
   */
  readonly image?: string | null;
  /** A function service's handler, timeout and concurrency; null or absent for other services. */
  readonly function?: FunctionSettings | null;
  /** The service's volumes, by name order; absent when it has none (and in releases made before volumes). */
  readonly volumes?: readonly VolumeMount[];
}

export type ReleaseReason = 'source' | 'deploy' | 'config' | 'promote' | 'rollback' | 'restore' | 'parallel';

export interface Release extends ReleaseContent {
  readonly environment: string;
  readonly service: string;
  readonly version: number;
  /** Hash of the content: equal hashes run the same thing. */
  readonly configHash: string;
  readonly author: string;
  readonly reason: ReleaseReason;
  readonly createdAt: string;
  /** The git commit whose sync made the release (an environment following a repository). */
  readonly commit?: string | null;
}

/** What a release runs, without its identity: the content a copy of it (rollback, restore) carries. */
export function contentOf(release: Release): ReleaseContent {
  const { environment: _e, service: _s, version: _v, configHash: _h, author: _a, reason: _r, createdAt: _c, commit: _g, ...content } = release;
  return content;
}

export function releaseName(release: Pick<Release, 'version'>): string {
  return `v${release.version}`;
}

export function releaseHash(content: ReleaseContent): string {
  const canonical = {
    artifact: content.artifact,
    sourceDirectory: content.sourceDirectory,
    driver: content.driver,
    command: content.command,
    env: Object.entries(content.env).sort(([a], [b]) => a.localeCompare(b)),
    resources: Object.entries(content.resources).sort(([a], [b]) => a.localeCompare(b)),
    // Only when set, so releases made before images existed keep their hash.
    ...(content.image ? { image: content.image } : {}),
    // Only for functions, so the releases of other services keep their hash.
    ...(content.function ? { function: content.function } : {}),
    // Only when there are any, so releases made before volumes existed keep their hash.
    ...(content.volumes && content.volumes.length > 0 ? { volumes: content.volumes } : {}),
    // Only when there are any, so releases made before secrets existed keep their hash.
    ...(Object.keys(content.secrets ?? {}).length > 0
      ? { secrets: Object.entries(content.secrets).sort(([a], [b]) => a.localeCompare(b)) }
      : {}),
  };
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex').slice(0, 12);
}

/** Which release (by version) each service runs, per environment. Part of every revision. */
export type ReleasePointers = Readonly<Record<string, Readonly<Record<string, number>>>>;
