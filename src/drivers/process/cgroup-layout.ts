/**
 * Where this process's cgroups are, read from /proc/self/mountinfo and /proc/self/cgroup. Pure:
 * the texts go in, directories or a reason come out, so every layout can be tested from a table.
 */

export const limitControllers = ['memory', 'cpu', 'pids'] as const;
export type LimitController = (typeof limitControllers)[number];

export type CgroupLayout =
  | {
      readonly version: 1;
      /** Per controller, the cgroup directory this process lives in. */
      readonly own: Readonly<Record<LimitController, string>>;
    }
  | {
      readonly version: 2;
      readonly own: string;
      readonly mount: string;
    };

export type CgroupLayoutResult =
  | { readonly ok: true; readonly layout: CgroupLayout }
  | { readonly ok: false; readonly reason: string };

interface CgroupMount {
  readonly root: string;
  readonly mountPoint: string;
  readonly fsType: string;
  readonly superOptions: readonly string[];
  readonly readOnly: boolean;
}

/** Mount points in mountinfo escape space, tab, newline and backslash as octal. */
function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

export function parseCgroupMounts(mountinfo: string): CgroupMount[] {
  const mounts: CgroupMount[] = [];
  for (const line of mountinfo.split('\n')) {
    const separator = line.indexOf(' - ');
    if (separator < 0) continue;
    const before = line.slice(0, separator).split(' ');
    const after = line.slice(separator + 3).split(' ');
    const fsType = after[0];
    if (fsType !== 'cgroup' && fsType !== 'cgroup2') continue;
    const root = before[3];
    const mountPoint = before[4];
    const mountOptions = (before[5] ?? '').split(',');
    if (root === undefined || mountPoint === undefined) continue;
    mounts.push({
      root: unescapeMountPath(root),
      mountPoint: unescapeMountPath(mountPoint),
      fsType,
      superOptions: (after[2] ?? '').split(','),
      readOnly: mountOptions.includes('ro'),
    });
  }
  return mounts;
}

/** /proc/self/cgroup lines are `hierarchy-id:controller,list:/path`; cgroup v2 is `0::/path`. */
function parseSelfCgroup(text: string): { controllers: string[]; path: string }[] {
  const entries: { controllers: string[]; path: string }[] = [];
  for (const line of text.split('\n')) {
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) continue;
    const list = line.slice(first + 1, second);
    entries.push({ controllers: list === '' ? [] : list.split(','), path: line.slice(second + 1) });
  }
  return entries;
}

/** The directory of `path` (a path in the cgroup hierarchy) under a mount whose root is `mount.root`. */
function directoryFor(mount: CgroupMount, path: string): string {
  const root = mount.root === '/' ? '' : mount.root;
  const relative = root !== '' && (path === root || path.startsWith(`${root}/`)) ? path.slice(root.length) : path;
  const joined = `${mount.mountPoint}${relative === '/' ? '' : relative}`;
  return joined.replace(/\/+$/, '') || '/';
}

export function resolveCgroupLayout(mountinfo: string, selfCgroup: string): CgroupLayoutResult {
  const mounts = parseCgroupMounts(mountinfo);
  const self = parseSelfCgroup(selfCgroup);
  const v1Mount = (controller: string): CgroupMount | undefined =>
    mounts.find((mount) => mount.fsType === 'cgroup' && mount.superOptions.includes(controller));
  const onV1 = limitControllers.filter((controller) => v1Mount(controller) !== undefined);

  if (onV1.length === limitControllers.length) {
    const own = {} as Record<LimitController, string>;
    for (const controller of limitControllers) {
      const mount = v1Mount(controller) as CgroupMount;
      if (mount.readOnly) {
        return { ok: false, reason: `cgroup filesystem ${mount.mountPoint} is read-only` };
      }
      const entry = self.find((candidate) => candidate.controllers.includes(controller));
      own[controller] = directoryFor(mount, entry?.path ?? '/');
    }
    return { ok: true, layout: { version: 1, own } };
  }

  const unified = mounts.find((mount) => mount.fsType === 'cgroup2');
  if (onV1.length === 0 && unified) {
    if (unified.readOnly) return { ok: false, reason: `cgroup filesystem ${unified.mountPoint} is read-only` };
    const entry = self.find((candidate) => candidate.controllers.length === 0);
    return { ok: true, layout: { version: 2, own: directoryFor(unified, entry?.path ?? '/'), mount: unified.mountPoint } };
  }

  if (onV1.length > 0) {
    const missing = limitControllers.filter((controller) => !onV1.includes(controller));
    return {
      ok: false,
      reason: `cgroup v1 controller${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not mounted (found ${onV1.join(', ')})`,
    };
  }
  return { ok: false, reason: 'no cgroup filesystem is mounted (looked in /proc/self/mountinfo)' };
}
