/** The environment name an automatic preview of a branch gets (`feature/Login_2` → `feature-login-2`). Pure. */

/** Room left for a `-N` suffix within the 63 characters of an environment name. */
const maxBase = 56;

/** A valid environment name for the branch, not in `taken`: `-2`, `-3`… added when the plain one is. */
export function previewNameForBranch(branch: string, taken: ReadonlySet<string>): string {
  let base = branch.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  if (!/^[a-z]/.test(base)) base = `branch-${base}`.replace(/-+$/, '');
  base = base.slice(0, maxBase).replace(/-+$/, '');
  if (!taken.has(base)) return base;
  for (let suffix = 2; ; suffix++) {
    const candidate = `${base}-${suffix}`;
    if (!taken.has(candidate)) return candidate;
  }
}
