/**
 * The process driver: runs an instance as a plain OS process in its own process group, with its
 * output appended to a log file and, where the kernel allows, inside cgroups with its limits.
 * Nothing ties the instance to the control plane (no pipes, unref'd), so it keeps running and
 * logging when the control plane dies, and a new control plane adopts it with `recover()`.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SkiffError } from '../../core/errors.js';
import {
  CLOCK_TICKS_PER_SECOND,
  isDeadState,
  isProcessRunning,
  readProcStat,
  readProcStatSync,
  readRssBytes,
} from '../../core/proc.js';
import type { Driver, DriverCapabilities, InstanceHandle, InstanceLaunch, RunningInstance } from '../driver.js';
import { attachToCgroups, detectCgroups, killCgroupProcesses, removeCgroups } from './cgroups.js';
import type { CgroupDetection } from './cgroups.js';
import { pollUntilGone, runningProcess } from './running-process.js';
import type { ProcessEnd } from './running-process.js';

export interface ProcessDriverOptions {
  readonly dataDir: string;
  /** The variables every instance inherits (from config/); the rest of its environment is the service's own. */
  readonly baseEnv: Readonly<Record<string, string>>;
  /** `off` runs instances without cgroups; capabilities then say why. */
  readonly resourceLimits?: 'auto' | 'off';
}

/** One file per instance, stdout and stderr interleaved in the order they were written. */
export function instanceLogPath(logDir: string, instanceId: string): string {
  return join(logDir, `${instanceId}.log`);
}

// The id names a log file and a cgroup directory.
const safeInstanceId = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

function describeCommand(command: readonly string[]): string {
  return command.map((part) => (/\s/.test(part) ? JSON.stringify(part) : part)).join(' ');
}

async function checkLaunch(launch: InstanceLaunch): Promise<void> {
  if (!safeInstanceId.test(launch.instanceId)) {
    throw new SkiffError('SKIFF_DRIVER_START_FAILED', `instance id "${launch.instanceId}" is not usable as a file name`);
  }
  if (launch.command.length === 0 || launch.command[0] === '') {
    throw new SkiffError('SKIFF_DRIVER_START_FAILED', `instance ${launch.instanceId} has an empty start command`);
  }
  const directory = await stat(launch.directory).catch(() => null);
  if (!directory?.isDirectory()) {
    throw new SkiffError(
      'SKIFF_SERVICE_DIRECTORY_MISSING',
      `cannot start "${describeCommand(launch.command)}": directory ${launch.directory} does not exist`,
      { hint: `check the service's path in the spec (instance ${launch.instanceId})` },
    );
  }
}

function signalGroupQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

/** Spawns the instance with its output in `logFd`; resolves once spawn() succeeded or rejects with its error. */
function spawnDetached(
  launch: InstanceLaunch,
  logFd: number,
  baseEnv: Readonly<Record<string, string>>,
): Promise<{ pid: number; exit: Promise<ProcessEnd> }> {
  const [file, ...args] = launch.command as [string, ...string[]];
  const child: ChildProcess = spawn(file, args, {
    cwd: launch.directory,
    env: { ...baseEnv, ...launch.env, PORT: String(launch.port) },
    stdio: ['ignore', logFd, logFd],
    // Its own process group: a Ctrl-C in the terminal does not reach it, and stop() can end the
    // whole group, children included.
    detached: true,
  });
  const exit = new Promise<ProcessEnd>((resolve) => {
    child.once('exit', (exitCode, signal) => resolve({ exitCode, signal }));
  });
  return new Promise((resolve, reject) => {
    if (child.pid === undefined) {
      // libuv reports ENOENT, EACCES and the like as an 'error' event on a later tick.
      child.once('error', reject);
      return;
    }
    child.on('error', () => undefined);
    // Nothing of the instance holds this event loop open, and no pipe ties it to this process.
    child.unref();
    resolve({ pid: child.pid, exit });
  });
}

export function createProcessDriver(options: ProcessDriverOptions): Driver {
  const baseEnv = options.baseEnv;
  const cgroups: CgroupDetection =
    options.resourceLimits === 'off'
      ? { enforced: false, reason: 'resource limits are turned off in the process driver options' }
      : detectCgroups();
  const capabilities: DriverCapabilities = {
    recover: true,
    resourceLimits: cgroups.enforced ? { enforced: true } : { enforced: false, reason: cgroups.reason },
  };

  async function start(launch: InstanceLaunch): Promise<RunningInstance> {
    await checkLaunch(launch);
    const logPath = instanceLogPath(launch.logDir, launch.instanceId);
    let logFd: number;
    try {
      await mkdir(launch.logDir, { recursive: true });
      // The child gets its own copy of the descriptor, in append mode, so its writes keep going
      // to the current end after a copy-truncate rotation.
      logFd = openSync(logPath, 'a');
    } catch (error) {
      throw new SkiffError('SKIFF_DRIVER_START_FAILED', `cannot open the log file ${logPath}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    let cgroupDirs: string[] = [];
    try {
      if (cgroups.enforced) cgroupDirs = await cgroups.cgroups.create(launch.instanceId, launch.resources);
    } catch (error) {
      closeSync(logFd);
      await removeCgroups(cgroupDirs);
      throw new SkiffError('SKIFF_DRIVER_START_FAILED', `cannot set up cgroups for ${launch.instanceId}: ${(error as Error).message}`, {
        cause: error,
      });
    }

    try {
      const { pid, exit } = await spawnDetached(launch, logFd, baseEnv);
      // The process runs briefly outside its cgroups, between fork and this write; anything it
      // forks in that window stays outside. Closing it would need a wrapper process or a shell.
      const attached = await attachToCgroups(cgroupDirs, pid).catch((error: unknown) => {
        signalGroupQuietly(pid, 'SIGKILL');
        throw error;
      });
      if (!attached) await removeCgroups(cgroupDirs);
      // Readable even if it already ended: the pid is not reaped before the 'exit' event, a later tick.
      const startTime = readProcStatSync(pid)?.startTime ?? 0;
      const handle: InstanceHandle = {
        driver: 'process',
        instanceId: launch.instanceId,
        pid,
        startTime,
        port: launch.port,
        logPath,
        cgroups: attached ? cgroupDirs : [],
      };
      return runningProcess(handle, exit);
    } catch (error) {
      await removeCgroups(cgroupDirs);
      throw new SkiffError(
        'SKIFF_DRIVER_START_FAILED',
        `cannot start "${describeCommand(launch.command)}" in ${launch.directory}: ${(error as Error).message}`,
        { cause: error, hint: 'check that the command exists and is executable (it runs without a shell)' },
      );
    } finally {
      closeSync(logFd);
    }
  }

  async function recover(handle: InstanceHandle): Promise<RunningInstance | null> {
    if (!(await isProcessRunning(handle.pid, handle.startTime))) {
      // It ended while no control plane was watching: tidy what it left.
      await killCgroupProcesses(handle.cgroups);
      await removeCgroups(handle.cgroups);
      return null;
    }
    return runningProcess(handle, pollUntilGone(handle.pid, handle.startTime));
  }

  async function usage(handle: InstanceHandle): Promise<{ cpuSeconds: number; rssBytes: number } | null> {
    const stat = await readProcStat(handle.pid);
    if (stat === null || stat.startTime !== handle.startTime || isDeadState(stat.state)) return null;
    const rssBytes = await readRssBytes(handle.pid);
    if (rssBytes === null) return null;
    return { cpuSeconds: (stat.utimeTicks + stat.stimeTicks) / CLOCK_TICKS_PER_SECOND, rssBytes };
  }

  return { kind: 'process', capabilities, start, recover, usage };
}
