/**
 * What the branch previews need after a fetch, decided from the spec, the previews there are and
 * the branch heads of each repository fetched: a preview for each new branch matching an
 * environment's `previews.branches`, none left for a deleted branch, and a redeploy of each preview
 * whose branch moved. A repository not fetched (unreachable) decides nothing. Pure.
 */
import type { Spec } from '../spec/schema.js';
import { branchRepositories } from './branch-repositories.js';
import { globToRegExp } from './path-glob.js';
import { previewNameForBranch } from './preview-names.js';

/** A preview that deploys a branch, with the branch tips (repository → commit) it was last deployed from. */
export interface BranchPreview {
  readonly name: string;
  readonly from: string;
  readonly branch: string;
  readonly automatic: boolean;
  readonly tips: Readonly<Record<string, string>>;
}

export type BranchPreviewAction =
  /** `commit`: the branch's head when planned (a create that failed is tried again once the branch moves). */
  | { readonly kind: 'create'; readonly name: string; readonly from: string; readonly branch: string; readonly commit: string; readonly instances: number; readonly ttl?: number }
  | { readonly kind: 'delete'; readonly name: string; readonly from: string; readonly branch: string }
  | { readonly kind: 'redeploy'; readonly name: string; readonly from: string; readonly branch: string; readonly tips: Readonly<Record<string, string>> };

export interface BranchPreviewInput {
  readonly spec: Spec;
  readonly previews: readonly BranchPreview[];
  /** Each repository fetched now: its branches and their heads. */
  readonly heads: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** The commits at which an automatic preview of the branch expired (its ttl): none is made again for them. */
  readonly expiredAt?: (from: string, branch: string) => readonly string[];
  /** Whether the environment has synced a commit of its source yet: before, its services are not known. */
  readonly synced?: (environment: string) => boolean;
}

export function planBranchPreviews(input: BranchPreviewInput): BranchPreviewAction[] {
  const { spec, previews, heads } = input;
  const actions: BranchPreviewAction[] = [];
  const taken = new Set(Object.keys(spec.environments));
  const gone = new Set<string>();
  for (const [from, environment] of Object.entries(spec.environments)) {
    const policy = environment.previews;
    const source = environment.source;
    const branches = source ? heads.get(source.git) : undefined;
    if (!policy || !source || !branches || environment.preview || input.synced?.(from) === false) continue;
    const matches = globToRegExp(policy.branches);
    for (const preview of previews.filter((candidate) => candidate.from === from && candidate.automatic && !branches.has(candidate.branch))) {
      actions.push({ kind: 'delete', name: preview.name, from, branch: preview.branch });
      gone.add(preview.name);
    }
    for (const [branch, commit] of [...branches].sort(([a], [b]) => a.localeCompare(b))) {
      if (branch === source.branch || !matches.test(branch)) continue;
      if (previews.some((preview) => preview.from === from && preview.branch === branch)) continue;
      if (input.expiredAt?.(from, branch).includes(commit)) continue;
      const name = previewNameForBranch(branch, taken);
      taken.add(name);
      actions.push({ kind: 'create', name, from, branch, commit, instances: policy.instances, ...(policy.ttl !== undefined ? { ttl: policy.ttl } : {}) });
    }
  }
  for (const preview of previews) {
    if (gone.has(preview.name)) continue;
    const tips = tipsOf(spec, preview, heads);
    if (tips && Object.keys(tips).length > 0 && !sameTips(tips, preview.tips)) actions.push({ kind: 'redeploy', name: preview.name, from: preview.from, branch: preview.branch, tips });
  }
  return actions;
}

/** The branch's head in each of the preview's repositories that has it; null when one of them was not fetched. */
function tipsOf(spec: Spec, preview: BranchPreview, heads: BranchPreviewInput['heads']): Record<string, string> | null {
  const tips: Record<string, string> = {};
  for (const { repo } of Object.values(branchRepositories(spec, preview.from))) {
    const branches = heads.get(repo);
    if (!branches) return null;
    const head = branches.get(preview.branch);
    if (head !== undefined) tips[repo] = head;
  }
  return tips;
}

function sameTips(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}
