/**
 * The directory a build works in. It names its owner (this process) and, once the build command
 * runs, the command's process group, so that a build whose owner was killed is cleaned up by the
 * next one: its command's group is killed and its directory removed. A build that ends in any
 * way removes its own directory; one cut short by the process exiting, in an exit hook.
 */
import fs from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isProcessRunning, readProcStatSync } from '../core/proc.js';

const prefix = 'skiff-build-';
const ownerFile = 'owner.json';
/** A directory without its owner file is being created, unless it is older than this. */
const unownedGraceMs = 10 * 60 * 1000;

interface Owner {
  readonly pid: number;
  readonly startTime: number;
  readonly group: { readonly pid: number; readonly startTime: number } | null;
}

export interface BuildWorkspace {
  readonly dir: string;
  /** Records the build command's process group, to be killed if this process dies before the build ends. */
  recordGroup(pid: number): Promise<void>;
  remove(): Promise<void>;
}

function startTimeOf(pid: number): number {
  return readProcStatSync(pid)?.startTime ?? 0;
}

export async function createBuildWorkspace(workDir: string, service: string): Promise<BuildWorkspace> {
  const dir = await mkdtemp(path.join(workDir, `${prefix}${service}-`));
  const self = { pid: process.pid, startTime: startTimeOf(process.pid) };
  await writeFile(path.join(dir, ownerFile), JSON.stringify({ ...self, group: null } satisfies Owner));
  const removeNow = (): void => fs.rmSync(dir, { recursive: true, force: true });
  process.once('exit', removeNow);
  return {
    dir,
    async recordGroup(pid) {
      const owner: Owner = { ...self, group: { pid, startTime: startTimeOf(pid) } };
      await writeFile(path.join(dir, ownerFile), JSON.stringify(owner));
    },
    async remove() {
      process.off('exit', removeNow);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function readOwner(dir: string): Promise<Owner | null> {
  try {
    return JSON.parse(await readFile(path.join(dir, ownerFile), 'utf8')) as Owner;
  } catch {
    return null;
  }
}

/** Removes the work directories of builds whose owner is gone, killing what is left of their commands. */
export async function removeStaleBuilds(workDir: string): Promise<void> {
  const names = await readdir(workDir).catch(() => [] as string[]);
  for (const name of names.filter((entry) => entry.startsWith(prefix))) {
    const dir = path.join(workDir, name);
    const owner = await readOwner(dir);
    if (owner === null) {
      const info = await stat(dir).catch(() => null);
      if (info === null || Date.now() - info.mtimeMs < unownedGraceMs) continue;
    } else {
      if (await isProcessRunning(owner.pid, owner.startTime)) continue;
      // Only a group whose leader is still the process that was recorded: a reused pid is left alone.
      if (owner.group && (await isProcessRunning(owner.group.pid, owner.group.startTime))) {
        try {
          process.kill(-owner.group.pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
    }
    await rm(dir, { recursive: true, force: true });
  }
}
