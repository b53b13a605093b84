/**
 * The build of a branch for a preview: each service of the source environment that has a git
 * repository (a commit-started pipeline's or the followed source's) is built from the branch
 * head's clean tree, through the same build the commit-started pipelines use.
 */
import path from 'node:path';
import type { ArtifactSummary } from '../api/control-plane.js';
import { SkiffError } from '../core/errors.js';
import type { Spec } from '../spec/schema.js';
import { branchRepositories } from '../sources/index.js';
import type { BranchRepository, BranchTip } from '../sources/index.js';
import type { CommitTree } from './release-operations.js';

export interface BranchBuildPorts {
  /** The branch's head now, checked out; SKIFF_PREVIEW_BRANCH_NOT_FOUND when the repository has no such branch. */
  tip(repo: string, branch: string): Promise<BranchTip>;
  /** The commit-started pipelines' build: the service from a commit's clean tree, the commit recorded on the artifact. */
  build(options: { readonly service: string; readonly author: string; readonly tree: CommitTree }): Promise<ArtifactSummary>;
}

export interface BranchBuild {
  readonly branch: string;
  /** The head of the first service's repository: what the preview shows it runs. */
  readonly commit: BranchTip['commit'];
  /** Repository → the head commit built. */
  readonly tips: Readonly<Record<string, string>>;
  /** Each service built: its artifact and the commit it was built from. */
  readonly artifacts: Readonly<Record<string, { readonly digest: string; readonly commit: string }>>;
}

/** The services a branch can be built for; SKIFF_PREVIEW_NO_REPOSITORY, naming what to set, when none. */
export function requireBranchRepositories(spec: Spec, from: string, branch: string): Record<string, BranchRepository> {
  const found = branchRepositories(spec, from);
  if (Object.keys(found).length > 0) return found;
  throw new SkiffError('SKIFF_PREVIEW_NO_REPOSITORY', `no git repository to take branch "${branch}" from: ${from} follows none, and no pipeline with a git trigger covers its services`, {
    path: 'branch',
    hint: `set \`source: { git: URL }\` on environments.${from}, or \`trigger: { git: { repo: URL, paths: [...] } }\` on a pipeline of its services; or leave out --branch`,
  });
}

/** Builds every service that has a repository at the branch's head; nothing is recorded but the artifacts. */
export async function buildBranch(ports: BranchBuildPorts, request: { readonly spec: Spec; readonly from: string; readonly branch: string; readonly author: string }): Promise<BranchBuild> {
  const byService = requireBranchRepositories(request.spec, request.from, request.branch);
  const tips = new Map<string, BranchTip>();
  // Every repository's branch is read before anything is built: an unknown branch costs no build.
  for (const { repo } of Object.values(byService)) if (!tips.has(repo)) tips.set(repo, await ports.tip(repo, request.branch));
  const artifacts: Record<string, { digest: string; commit: string }> = {};
  for (const [service, { repo, specDir }] of Object.entries(byService)) {
    const tip = tips.get(repo) as BranchTip;
    const tree: CommitTree = { commit: tip.commit.sha, baseDir: path.join(tip.tree, specDir) };
    artifacts[service] = { digest: (await ports.build({ service, author: request.author, tree })).digest, commit: tip.commit.sha };
  }
  const first = tips.values().next().value as BranchTip;
  return {
    branch: request.branch,
    commit: first.commit,
    tips: Object.fromEntries([...tips].map(([repo, tip]) => [repo, tip.commit.sha])),
    artifacts,
  };
}
