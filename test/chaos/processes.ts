/**
 * The processes one `skiff up` started, found from /proc rather than from what Skiff reports:
 * its instances (their environment names this platform's router) and its router (the primary
 * recorded in the data directory, its workers are the primary's children).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseProcStat } from '../../src/core/proc.js';
import { isAlive } from '../e2e/platform.js';
import type { Platform } from '../e2e/platform.js';

export interface InstanceProcess {
  readonly pid: number;
  readonly instanceId: string;
}

function pids(): number[] {
  return fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number);
}

function environOf(pid: number): Map<string, string> | null {
  try {
    const entries = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    return new Map(entries.filter((entry) => entry.includes('=')).map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
  } catch {
    return null;
  }
}

/** Every live process whose environment names an instance of this platform (SKIFF_INSTANCE_ID and its router URL). */
export function instanceProcesses(platform: Platform): InstanceProcess[] {
  const found: InstanceProcess[] = [];
  for (const pid of pids()) {
    const environ = environOf(pid);
    const instanceId = environ?.get('SKIFF_INSTANCE_ID');
    if (instanceId && environ?.get('SKIFF_ROUTER_URL') === platform.routerUrl && isAlive(pid)) found.push({ pid, instanceId });
  }
  return found;
}

export function routerDir(platform: Platform, environment = 'dev'): string {
  return path.join(platform.dataDir, 'routers', environment);
}

/** The router primary's pid as recorded in the data directory, or null. */
export function routerPrimaryPid(platform: Platform): number | null {
  try {
    const { pid } = JSON.parse(fs.readFileSync(path.join(routerDir(platform), 'router.json'), 'utf8')) as { pid: number };
    return isAlive(pid) ? pid : null;
  } catch {
    return null;
  }
}

/** The router's workers: the live children of its primary. */
export function routerWorkerPids(platform: Platform): number[] {
  const primary = routerPrimaryPid(platform);
  if (primary === null) return [];
  return pids().filter((pid) => {
    try {
      return parseProcStat(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))?.ppid === primary && isAlive(pid);
    } catch {
      return false;
    }
  });
}

export function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Router processes of this platform that are neither its recorded primary nor that primary's workers. */
export function strayRouterProcesses(platform: Platform): number[] {
  const primary = routerPrimaryPid(platform);
  const workers = new Set(routerWorkerPids(platform));
  const marker = routerDir(platform);
  return pids().filter((pid) => {
    if (pid === primary || workers.has(pid) || !isAlive(pid)) return false;
    try {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return cmdline.includes('router-process') && cmdline.includes(marker);
    } catch {
      return false;
    }
  });
}
