/**
 * The live processes of one router, found by its admin socket on their command line: primaries
 * and cluster workers (a worker's environment carries NODE_UNIQUE_ID). Not part of the build.
 */
import { readFileSync } from 'node:fs';
import { processesWithArgument } from '../../core/proc.js';

export interface RouterPids {
  readonly primaries: readonly number[];
  readonly workers: readonly number[];
}

function isClusterWorker(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').some((entry) => entry.startsWith('NODE_UNIQUE_ID='));
  } catch {
    return false;
  }
}

export function routerPids(adminSocket: string): RouterPids {
  const pids = processesWithArgument(adminSocket);
  return { primaries: pids.filter((pid) => !isClusterWorker(pid)), workers: pids.filter(isClusterWorker) };
}

/**
 * SIGKILL to every process of the router (the test's own, found by their admin socket), workers
 * first: a worker that outlived its primary would start a successor.
 */
export function killRouter(adminSocket: string): void {
  const { primaries, workers } = routerPids(adminSocket);
  for (const pid of [...workers, ...primaries]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
}
