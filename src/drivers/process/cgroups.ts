/**
 * Resource limits for process instances with cgroups (v1 or v2). Instance cgroups are created as
 * `skiff/<instanceId>` below the cgroup the control plane itself runs in, not at the hierarchy
 * root: limits an operator put on Skiff as a whole keep applying to its instances, and a delegated
 * subtree (systemd `Delegate=yes`, a container) is the only place an unprivileged or nested Skiff
 * may write anyway.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { sleep } from '../../core/clock.js';
import type { Resources } from '../../spec/schema.js';
import { limitControllers, resolveCgroupLayout } from './cgroup-layout.js';
import type { CgroupLayout, LimitController } from './cgroup-layout.js';

const PARENT_NAME = 'skiff';
const CPU_PERIOD_US = 100_000;

export type CgroupDetection =
  | { readonly enforced: true; readonly cgroups: InstanceCgroups }
  | { readonly enforced: false; readonly reason: string };

export interface InstanceCgroups {
  readonly version: 1 | 2;
  /** Creates the instance's cgroups with its limits; returns their directories (none when no limit is set). */
  create(instanceId: string, resources: Resources): Promise<string[]>;
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function reasonFor(error: unknown, directory: string): string {
  switch (errorCode(error)) {
    case 'EROFS':
      return `cgroup filesystem at ${directory} is read-only`;
    case 'EACCES':
    case 'EPERM':
      return `no permission to create cgroups in ${directory} (run as root or delegate that cgroup to Skiff's user)`;
    case 'EBUSY':
      return `cannot enable memory, cpu and pids controllers below ${directory}: it holds processes (cgroup v2 no-internal-processes rule); start Skiff in a delegated cgroup`;
    default:
      return `cannot create cgroups in ${directory}: ${(error as Error).message}`;
  }
}

/** Looks at this machine once: where cgroups are and whether Skiff may create them. Never throws. */
export function detectCgroups(
  sources: { readonly mountinfo?: string; readonly selfCgroup?: string } = {},
): CgroupDetection {
  let mountinfo: string;
  let selfCgroup: string;
  try {
    mountinfo = sources.mountinfo ?? readFileSync('/proc/self/mountinfo', 'utf8');
    selfCgroup = sources.selfCgroup ?? readFileSync('/proc/self/cgroup', 'utf8');
  } catch (error) {
    return { enforced: false, reason: `cannot read /proc/self/mountinfo or /proc/self/cgroup: ${(error as Error).message}` };
  }
  const resolved = resolveCgroupLayout(mountinfo, selfCgroup);
  if (!resolved.ok) return { enforced: false, reason: resolved.reason };
  const layout = resolved.layout;
  const problem = layout.version === 1 ? probeV1(layout.own) : probeV2(layout.own);
  if (problem !== null) return { enforced: false, reason: problem };
  return { enforced: true, cgroups: instanceCgroups(layout) };
}

const v1LimitFile: Record<LimitController, string> = {
  memory: 'memory.limit_in_bytes',
  cpu: 'cpu.cfs_quota_us',
  pids: 'pids.max',
};

/** Creates and removes a throwaway cgroup under each controller; leaves nothing behind. */
function probeV1(own: Readonly<Record<LimitController, string>>): string | null {
  for (const controller of limitControllers) {
    const parent = join(own[controller], PARENT_NAME);
    const probe = join(parent, `probe-${process.pid}`);
    try {
      const created = mkdirSync(parent, { recursive: true });
      mkdirSync(probe);
      const usable = existsSync(join(probe, v1LimitFile[controller]));
      rmdirSync(probe);
      if (created !== undefined) rmdirSync(parent);
      if (!usable) return `cgroup ${probe} has no ${v1LimitFile[controller]} file`;
    } catch (error) {
      return reasonFor(error, own[controller]);
    }
  }
  return null;
}

function probeV2(own: string): string | null {
  try {
    const available = readFileSync(join(own, 'cgroup.controllers'), 'utf8').trim().split(/\s+/);
    const missing = limitControllers.filter((controller) => !available.includes(controller));
    if (missing.length > 0) {
      return `cgroup v2 controller${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not available in ${own}`;
    }
    const parent = ensureV2ParentSync(own);
    const probe = join(parent, `probe-${process.pid}`);
    mkdirSync(probe);
    const usable = existsSync(join(probe, 'memory.max')) && existsSync(join(probe, 'pids.max'));
    rmdirSync(probe);
    return usable ? null : `cgroup v2 controllers are not enabled in ${parent}`;
  } catch (error) {
    return reasonFor(error, own);
  }
}

const enableAll = limitControllers.map((controller) => `+${controller}`).join(' ');

function ensureV2ParentSync(own: string): string {
  const parent = join(own, PARENT_NAME);
  if (!readFileSync(join(own, 'cgroup.subtree_control'), 'utf8').includes('pids')) {
    writeFileSync(join(own, 'cgroup.subtree_control'), enableAll);
  }
  mkdirSync(parent, { recursive: true });
  writeFileSync(join(parent, 'cgroup.subtree_control'), enableAll);
  return parent;
}

/** A fresh directory for the instance: a leftover from an earlier run with the same id is replaced so its counters start at zero. */
async function freshCgroup(parent: string, instanceId: string, ensureParent: () => Promise<void>): Promise<string> {
  const directory = join(parent, instanceId);
  await rmdir(directory).catch(() => undefined);
  for (let attempt = 0; ; attempt += 1) {
    await ensureParent();
    try {
      await mkdir(directory);
      return directory;
    } catch (error) {
      if (errorCode(error) === 'EEXIST') return directory;
      // Another instance's cleanup removed the shared parent between our two mkdirs.
      if (errorCode(error) !== 'ENOENT' || attempt >= 3) throw error;
    }
  }
}

function cpuQuota(cores: number): number {
  return Math.max(1000, Math.round(cores * CPU_PERIOD_US));
}

function instanceCgroups(layout: CgroupLayout): InstanceCgroups {
  if (layout.version === 1) {
    return {
      version: 1,
      async create(instanceId, resources) {
        const directories: string[] = [];
        try {
          for (const controller of limitControllers) {
            const limit = resources[controller];
            if (limit === undefined) continue;
            const parent = join(layout.own[controller], PARENT_NAME);
            const directory = await freshCgroup(parent, instanceId, async () => {
              await mkdir(parent, { recursive: true });
            });
            directories.push(directory);
            await writeV1Limit(directory, controller, limit);
          }
          return directories;
        } catch (error) {
          await removeCgroups(directories);
          throw error;
        }
      },
    };
  }
  return {
    version: 2,
    async create(instanceId, resources) {
      if (limitControllers.every((controller) => resources[controller] === undefined)) return [];
      const parent = join(layout.own, PARENT_NAME);
      const directory = await freshCgroup(parent, instanceId, async () => {
        ensureV2ParentSync(layout.own);
      });
      try {
        if (resources.memory !== undefined) {
          await writeFile(join(directory, 'memory.max'), String(resources.memory));
          // Without swap the limit is the limit; some kernels have no swap accounting, which is fine.
          await writeFile(join(directory, 'memory.swap.max'), '0').catch(() => undefined);
        }
        if (resources.cpu !== undefined) {
          await writeFile(join(directory, 'cpu.max'), `${cpuQuota(resources.cpu)} ${CPU_PERIOD_US}`);
        }
        if (resources.pids !== undefined) await writeFile(join(directory, 'pids.max'), String(resources.pids));
        return [directory];
      } catch (error) {
        await removeCgroups([directory]);
        throw error;
      }
    },
  };
}

async function writeV1Limit(directory: string, controller: LimitController, limit: number): Promise<void> {
  switch (controller) {
    case 'memory':
      await writeFile(join(directory, 'memory.limit_in_bytes'), String(limit));
      // memory+swap must be >= memory, so it is written second; absent without swap accounting.
      await writeFile(join(directory, 'memory.memsw.limit_in_bytes'), String(limit)).catch(() => undefined);
      return;
    case 'cpu':
      await writeFile(join(directory, 'cpu.cfs_period_us'), String(CPU_PERIOD_US));
      await writeFile(join(directory, 'cpu.cfs_quota_us'), String(cpuQuota(limit)));
      return;
    case 'pids':
      await writeFile(join(directory, 'pids.max'), String(limit));
      return;
  }
}

/** Moves `pid` into each cgroup. False when the process is already gone. */
export async function attachToCgroups(directories: readonly string[], pid: number): Promise<boolean> {
  for (const directory of directories) {
    try {
      await writeFile(join(directory, 'cgroup.procs'), String(pid));
    } catch (error) {
      if (errorCode(error) === 'ESRCH') return false;
      throw error;
    }
  }
  return true;
}

async function readCounter(file: string, name: string): Promise<number | null> {
  try {
    const match = new RegExp(`^${name} (\\d+)$`, 'm').exec(await readFile(file, 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** Whether the kernel's OOM killer acted in any of these cgroups (best effort). */
export async function readOomKilled(directories: readonly string[]): Promise<boolean> {
  for (const directory of directories) {
    const v2 = await readCounter(join(directory, 'memory.events'), 'oom_kill');
    if (v2 !== null && v2 > 0) return true;
    const v1 = await readCounter(join(directory, 'memory.oom_control'), 'oom_kill');
    if (v1 !== null && v1 > 0) return true;
    if (v1 === null && v2 === null) {
      // Kernels before 4.13 have no oom_kill counter: hitting the limit is the best signal left.
      const failures = await readFile(join(directory, 'memory.failcnt'), 'utf8').catch(() => '0');
      if (Number(failures.trim()) > 0) return true;
    }
  }
  return false;
}

/** SIGKILLs whatever is left in the cgroups, including processes that left the instance's process group. */
export async function killCgroupProcesses(directories: readonly string[]): Promise<void> {
  for (const directory of directories) {
    const killed = await writeFile(join(directory, 'cgroup.kill'), '1').then(
      () => true,
      () => false,
    );
    if (killed) continue;
    const procs = await readFile(join(directory, 'cgroup.procs'), 'utf8').catch(() => '');
    for (const line of procs.split('\n')) {
      const pid = Number(line);
      if (!Number.isInteger(pid) || pid <= 0) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

/** Removes the instance's cgroups, and the shared `skiff` parent once it is empty. Never throws. */
export async function removeCgroups(directories: readonly string[]): Promise<void> {
  for (const directory of directories) {
    for (let attempt = 0; attempt < 20; attempt += 1) {
      try {
        await rmdir(directory);
        break;
      } catch (error) {
        const code = errorCode(error);
        if (code === 'ENOENT') break;
        // EBUSY while the last processes are still being torn down by the kernel.
        if (code !== 'EBUSY' || attempt === 19) break;
        await sleep(50);
      }
    }
    const parent = dirname(directory);
    // An empty parent left behind would keep the cgroup Skiff runs in from being removed.
    if (basename(parent) === PARENT_NAME) await rmdir(parent).catch(() => undefined);
  }
}
