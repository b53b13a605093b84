/**
 * A running process instance, whether this control plane spawned it (its exit comes from the
 * child's 'exit' event) or adopted it after a restart (its exit is noticed by polling /proc).
 */
import { sleep } from '../../core/clock.js';
import { isProcessRunning } from '../../core/proc.js';
import type { InstanceExit, InstanceHandle, RunningInstance } from '../driver.js';
import { killCgroupProcesses, readOomKilled, removeCgroups } from './cgroups.js';

const POLL_INTERVAL_MS = 100;

export interface ProcessEnd {
  readonly exitCode: number | null;
  readonly signal: string | null;
}

/** Sends `signal` to the instance's process group; false when the group no longer exists. */
function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Resolves once the process is gone, reused or a zombie. Unknown exit status: it is not our child. */
export async function pollUntilGone(pid: number, startTime: number): Promise<ProcessEnd> {
  while (await isProcessRunning(pid, startTime)) {
    await new Promise<void>((resolve) => {
      // Unref'd like the spawned child: watching an instance must not keep a finished program alive.
      setTimeout(resolve, POLL_INTERVAL_MS).unref();
    });
  }
  return { exitCode: null, signal: null };
}

/**
 * Builds the RunningInstance. The instance is its process group: once the leader has ended,
 * what is left of the group (and of its cgroups) is killed, so an orphan cannot keep the port or
 * the memory, and the cgroups are removed.
 */
export function runningProcess(handle: InstanceHandle, ended: Promise<ProcessEnd>): RunningInstance {
  const exited: Promise<InstanceExit> = ended.then(async (end) => {
    const oomKilled = await readOomKilled(handle.cgroups);
    signalGroup(handle.pid, 'SIGKILL');
    await killCgroupProcesses(handle.cgroups);
    await removeCgroups(handle.cgroups);
    return { exitCode: end.exitCode, signal: end.signal, oomKilled };
  });
  let settled = false;
  void exited.then(() => {
    settled = true;
  });
  let stopping: Promise<InstanceExit> | undefined;

  async function stop(graceMs: number): Promise<InstanceExit> {
    // A timer that holds the event loop open while someone waits for the stop.
    const keepAlive = setInterval(() => undefined, 1 << 30);
    try {
      // An adopted pid is re-checked first, so a reused pid is never signalled.
      if (settled || !(await isProcessRunning(handle.pid, handle.startTime))) return await exited;
      signalGroup(handle.pid, 'SIGTERM');
      const abort = new AbortController();
      const inTime = await Promise.race([exited.then(() => true), sleep(graceMs, abort.signal).then(() => false)]);
      abort.abort();
      if (!inTime) signalGroup(handle.pid, 'SIGKILL');
      return await exited;
    } finally {
      clearInterval(keepAlive);
    }
  }

  let killAt = Infinity;

  return {
    handle,
    exited,
    stop(graceMs) {
      const at = Date.now() + graceMs;
      if (!stopping) stopping = stop(graceMs);
      else if (at < killAt && !settled) void killAfter(graceMs);
      killAt = Math.min(killAt, at);
      return stopping;
    },
  };

  /** A later stop asked for less grace than the one under way: the kill comes sooner. */
  async function killAfter(graceMs: number): Promise<void> {
    const abort = new AbortController();
    const inTime = await Promise.race([exited.then(() => true), sleep(graceMs, abort.signal).then(() => false)]);
    abort.abort();
    if (!inTime && (await isProcessRunning(handle.pid, handle.startTime))) signalGroup(handle.pid, 'SIGKILL');
  }
}
