/**
 * Where a preview of an environment takes a branch's code from, service by service: the repository
 * of a commit-started pipeline covering the service (`trigger.git`), else the repository the
 * environment follows (`source:`). Pure.
 */
import path from 'node:path';
import type { Spec } from '../spec/schema.js';

export interface BranchRepository {
  readonly repo: string;
  /** The spec file's folder in the repository: the service's `path` is relative to it. */
  readonly specDir: string;
  /** How often the repository is fetched for new commits of the branch. */
  readonly interval: number;
}

/** The services of `environment` that a branch can be built for, with their repository; in the spec's service order. */
export function branchRepositories(spec: Spec, environment: string): Record<string, BranchRepository> {
  const found: Record<string, BranchRepository> = {};
  const services = Object.keys(spec.services);
  for (const pipeline of Object.values(spec.pipelines ?? {})) {
    const trigger = pipeline.trigger?.git;
    if (!trigger) continue;
    for (const service of pipeline.services ?? services) {
      if (services.includes(service) && !found[service]) found[service] = { repo: trigger.repo, specDir: trigger.specDir, interval: trigger.interval };
    }
  }
  const source = spec.environments[environment]?.source;
  if (source) {
    const specDir = path.posix.dirname(source.path);
    for (const service of services) found[service] ??= { repo: source.git, specDir, interval: source.interval };
  }
  return Object.fromEntries(services.flatMap((service) => (found[service] ? [[service, found[service]]] : [])));
}

/** The repositories of `branchRepositories`, each once, with the shortest interval asked of it. */
export function repositoriesOf(byService: Readonly<Record<string, BranchRepository>>): Map<string, number> {
  const repos = new Map<string, number>();
  for (const { repo, interval } of Object.values(byService)) repos.set(repo, Math.min(interval, repos.get(repo) ?? Infinity));
  return repos;
}
