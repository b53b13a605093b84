/**
 * Which repository a push event names, and whether it is the one a pipeline watches. GitHub and
 * Gitea send `repository.{clone_url, ssh_url, git_url, html_url}`, GitLab `project.{git_http_url,
 * git_ssh_url, web_url}` and `repository.{git_http_url, git_ssh_url, url, homepage}`. URLs are
 * compared without scheme, credentials, port-less `user@host:` form, case of the host and a
 * trailing `.git`, so the https and ssh URLs of one repository match. Pure.
 */

const urlFields = ['clone_url', 'ssh_url', 'git_url', 'html_url', 'git_http_url', 'git_ssh_url', 'web_url', 'url', 'homepage'] as const;

/** The repository URLs a push event's body names (none for a body that is not JSON or names none). */
export function pushedRepositories(body: Buffer): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return [];
  }
  if (typeof parsed !== 'object' || parsed === null) return [];
  const found: string[] = [];
  for (const key of ['repository', 'project'] as const) {
    const holder = (parsed as Record<string, unknown>)[key];
    if (typeof holder !== 'object' || holder === null) continue;
    for (const field of urlFields) {
      const value = (holder as Record<string, unknown>)[field];
      if (typeof value === 'string' && value !== '') found.push(value);
    }
  }
  return found;
}

/** `host/path` of a URL or scp-like address (`git@host:org/repo.git`), or the path itself for a local one. */
export function repositoryKey(address: string): string {
  let rest = address.trim();
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(rest);
  if (scheme) {
    rest = rest.slice(scheme[0].length).replace(/^[^@/]*@/, '');
    const slash = rest.indexOf('/');
    const host = (slash === -1 ? rest : rest.slice(0, slash)).replace(/:\d+$/, '').toLowerCase();
    rest = `${host}${slash === -1 ? '' : rest.slice(slash)}`;
  } else {
    const scp = /^(?:[^@/]+@)?([^:/]+):(?!\/)(.*)$/.exec(rest);
    if (scp) rest = `${(scp[1] as string).toLowerCase()}/${scp[2] as string}`;
  }
  return rest.replace(/\/+$/, '').replace(/\.git$/, '').replace(/\/+$/, '');
}

/** True when the event names no repository (the secret alone tells), or names `watched`. */
export function pushNamesRepository(named: readonly string[], watched: string): boolean {
  if (named.length === 0) return true;
  const key = repositoryKey(watched);
  return named.some((address) => repositoryKey(address) === key);
}
