/**
 * Which services a commit touches for a pipeline started by commits: those whose folder in the
 * repository holds a changed file matching one of the trigger's patterns. Pure.
 */
import path from 'node:path';
import { globToRegExp } from './path-glob.js';

export interface CommitServicesInput {
  /** The files the commit changed, relative to the repository root (as git lists them). */
  readonly changed: readonly string[];
  readonly patterns: readonly string[];
  /** The spec file's folder in the repository: service paths are relative to it. */
  readonly specDir: string;
  /** Each service the pipeline covers, with its `path` from the spec. */
  readonly services: Readonly<Record<string, string>>;
}

/** The services touched, in the order given. */
export function commitServices(input: CommitServicesInput): string[] {
  const patterns = input.patterns.map(globToRegExp);
  const matching = input.changed.filter((file) => patterns.some((pattern) => pattern.test(file)));
  if (matching.length === 0) return [];
  return Object.entries(input.services)
    .filter(([, servicePath]) => {
      const folder = serviceFolder(input.specDir, servicePath);
      return folder !== null && matching.some((file) => folder === '' || file.startsWith(`${folder}/`));
    })
    .map(([service]) => service);
}

/** The service's folder relative to the repository root ('' for the root); null when it lies outside. */
export function serviceFolder(specDir: string, servicePath: string): string | null {
  if (path.posix.isAbsolute(servicePath)) return null;
  const folder = path.posix.normalize(path.posix.join(specDir, servicePath)).replace(/\/$/, '');
  if (folder === '..' || folder.startsWith('../')) return null;
  return folder === '.' ? '' : folder;
}
