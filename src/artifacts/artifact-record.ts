/** What Skiff knows about one stored artifact of one service. */
import { SkiffError } from '../core/errors.js';
import type { Digest } from './digest.js';
import type { SourceInfo } from './source-info.js';

export interface ArtifactRecord {
  readonly service: string;
  readonly digest: Digest;
  /** Bytes of the stored archive. */
  readonly size: number;
  /** ISO time this service first stored this digest. */
  readonly createdAt: string;
  /** ISO time of the latest build of this service that produced this digest (what `latest` goes by). */
  readonly builtAt: string;
  /** The commit of the context, when it is a git work tree. */
  readonly source: SourceInfo | null;
  readonly buildCommand: readonly string[] | null;
  /** The sub-directory of the build result that was packed, when not the whole tree. */
  readonly output: string | null;
}

export interface ArtifactMeta {
  readonly service: string;
  readonly source?: SourceInfo | null;
  readonly buildCommand?: readonly string[] | null;
  readonly output?: string | null;
}

/** Newest build first; ties (same millisecond) broken by digest so the order is stable. */
export function newestFirst(a: ArtifactRecord, b: ArtifactRecord): number {
  if (a.builtAt !== b.builtAt) return a.builtAt < b.builtAt ? 1 : -1;
  return a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0;
}

const servicePattern = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Service names become parts of file names in the store and of temp directories: nothing that could leave them. */
export function checkServiceName(service: string): string {
  if (servicePattern.test(service)) return service;
  throw new SkiffError('SKIFF_BAD_REQUEST', `"${service}" is not a service name`, {
    hint: 'service names use letters, digits, dot, dash and underscore',
  });
}
