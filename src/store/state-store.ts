/**
 * The StateStore port: what the control plane persists. The SQLite adapter implements it; the
 * store imports no runtime module.
 */
import type { Release, ReleaseContent, ReleasePointers, ReleaseReason } from '../spec/release.js';
import type { Spec } from '../spec/schema.js';

export interface Revision {
  readonly id: number;
  readonly hash: string;
  readonly author: string;
  readonly message: string;
  readonly createdAt: string;
  readonly spec: Spec;
  readonly baseDir: string;
  /** Set when the revision came from a file apply, so the same file applied again is a no-op. */
  readonly sourceFile: string | null;
  readonly sourceHash: string | null;
  /** The release each service runs in each environment as of this revision. */
  readonly releases: ReleasePointers;
  /** The git commit the revision was synced from (GitOps), else null. */
  readonly commit: string | null;
}

export type NewRevision = Omit<Revision, 'id' | 'createdAt' | 'commit'> & { readonly commit?: string | null };

export interface StoredEvent {
  readonly id: number;
  readonly time: string;
  readonly type: string;
  readonly environment: string | null;
  readonly service: string | null;
  readonly instance: string | null;
  readonly actor: string;
  readonly message: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export type NewEvent = Omit<StoredEvent, 'id' | 'time' | 'environment' | 'service' | 'instance' | 'data' | 'actor'> & {
  readonly environment?: string | null;
  readonly service?: string | null;
  readonly instance?: string | null;
  readonly actor?: string;
  readonly data?: Readonly<Record<string, unknown>>;
};

export interface EventFilter {
  readonly environment?: string;
  readonly service?: string;
  readonly type?: string;
  readonly afterId?: number;
  readonly limit?: number;
}

/** An instance as persisted: opaque JSON for the store, owned by the provider. */
export interface StoredInstance {
  readonly id: string;
  readonly environment: string;
  readonly service: string;
  readonly record: unknown;
}

export interface NewRelease {
  readonly environment: string;
  readonly service: string;
  readonly content: ReleaseContent;
  readonly author: string;
  readonly reason: ReleaseReason;
  /** The git commit whose sync made the release. */
  readonly commit?: string | null;
}

export interface StateStore {
  latestRevision(): Revision | null;
  revision(id: number): Revision | null;
  saveRevision(revision: NewRevision): Revision;
  listRevisions(limit: number): readonly Revision[];
  /** The last revision made at or before the time (ISO 8601). */
  revisionAt(time: string): Revision | null;

  appendEvent(event: NewEvent): StoredEvent;
  events(filter: EventFilter): readonly StoredEvent[];

  putInstance(instance: StoredInstance): void;
  deleteInstance(id: string): void;
  listInstances(environment?: string): readonly StoredInstance[];

  /** Creates the next numbered release of a service in an environment. */
  createRelease(release: NewRelease): Release;
  release(environment: string, service: string, version: number): Release | null;
  /** Newest first. */
  listReleases(environment: string, service: string, limit?: number): readonly Release[];

  getMeta(key: string): string | null;
  setMeta(key: string, value: string): void;

  close(): void;
}
