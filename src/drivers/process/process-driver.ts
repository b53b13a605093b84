/**
 * The process driver: runs an instance as a plain OS process in its own process group, with its
 * output appended to a log file and, where the kernel allows, inside cgroups with its limits.
 * Its output goes through a pipe to a log writer process (bin/skiff-log-writer.js) that rotates
 * the file on every write, so a fast writer cannot fill the disk between two checks. Neither is
 * tied to the control plane (detached, unref'd, the control plane's end of the pipe closed), so
 * the instance keeps running and logging when the control plane dies, and a new control plane
 * adopts it with `recover()`.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SkiffError } from '../../core/errors.js';
import {
  CLOCK_TICKS_PER_SECOND,
  isDeadState,
  isProcessRunning,
  processesWithEnv,
  readProcStat,
  readProcStatSync,
  readRssBytes,
} from '../../core/proc.js';
import type { Driver, DriverCapabilities, InstanceHandle, InstanceLaunch, RunningInstance, VolumeStorage } from '../driver.js';
import { backupDirectory, directoryExists, removeDirectory, restoreDirectory, volumeDirectory, volumeEnv } from '../volumes.js';
import { defaultLogRotation } from './log-rotation.js';
import type { LogRotation } from './log-rotation.js';
import { attachToCgroups, detectCgroups, killCgroupProcesses, removeCgroups } from './cgroups.js';
import type { CgroupDetection } from './cgroups.js';
import { findExecutable } from './executable.js';
import { pollUntilGone, runningProcess } from './running-process.js';
import type { ProcessEnd } from './running-process.js';

export interface ProcessDriverOptions {
  readonly dataDir: string;
  /** The variables every instance inherits (from config/); the rest of its environment is the service's own. */
  readonly baseEnv: Readonly<Record<string, string>>;
  /** `off` runs instances without cgroups; capabilities then say why. */
  readonly resourceLimits?: 'auto' | 'off';
  /** How much of each instance's output is kept (default 10 MiB × 4 files). */
  readonly logRotation?: LogRotation;
  /** The log writer program; the default is the repository's bin/skiff-log-writer.js (same place from src/ and dist/). */
  readonly logWriterScript?: string;
}

const defaultLogWriterScript = fileURLToPath(new URL('../../../bin/skiff-log-writer.js', import.meta.url));
const exitRecorderScript = fileURLToPath(new URL('../../../bin/skiff-exit-recorder.js', import.meta.url));

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

/** The status the exit recorder wrote, or null when it wrote none (it was killed with SIGKILL). */
async function readRecordedExit(exitFile: string): Promise<ProcessEnd | null> {
  try {
    const recorded = JSON.parse(await readFile(exitFile, 'utf8')) as Partial<ProcessEnd>;
    return { exitCode: typeof recorded.exitCode === 'number' ? recorded.exitCode : null, signal: typeof recorded.signal === 'string' ? recorded.signal : null };
  } catch {
    return null;
  }
}

function signalGroupQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

/** Spawns the process that writes `logPath` from its stdin; its stdin is the pipe the instance writes to. */
function spawnLogWriter(script: string, logPath: string, rotation: LogRotation): Promise<ChildProcess> {
  const writer = spawn(process.execPath, [script, logPath, String(rotation.maxBytes), String(rotation.keep)], {
    stdio: ['pipe', 'ignore', 'ignore'],
    // Not in the instance's group: stopping the instance must not cut its last lines off.
    detached: true,
  });
  return unrefOnceSpawned(writer);
}

/**
 * Resolves with the child once spawn() succeeded (libuv reports ENOENT, EACCES and the like as an
 * 'error' event on a later tick: then it rejects), unref'd so it does not hold this event loop open.
 */
function unrefOnceSpawned(child: ChildProcess): Promise<ChildProcess & { pid: number }> {
  return new Promise((resolve, reject) => {
    if (child.pid === undefined) {
      child.once('error', reject);
      return;
    }
    child.on('error', () => undefined);
    child.unref();
    resolve(child as ChildProcess & { pid: number });
  });
}

/** How long an exit waits for the log writer to write the last output (a child left holding the pipe keeps it open). */
const lastOutputWaitMs = 1000;

/**
 * Resolves with `end` once the log writer has ended (everything written is in the file), or after
 * a short bound: whoever reads the log when the exit is reported (the output of a one-off
 * command, the last lines of a crash) finds the end of it there.
 */
function afterLastOutput<T>(writer: ChildProcess, end: T): Promise<T> {
  if (writer.exitCode !== null || writer.signalCode !== null) return Promise.resolve(end);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(end), lastOutputWaitMs);
    timer.unref();
    writer.once('exit', () => {
      clearTimeout(timer);
      resolve(end);
    });
  });
}

/** Spawns the instance with its output in `output`; resolves once spawn() succeeded or rejects with its error. */
function spawnDetached(
  launch: InstanceLaunch,
  output: NonNullable<ChildProcess['stdin']>,
  baseEnv: Readonly<Record<string, string>>,
  volumes: Readonly<Record<string, string>>,
): Promise<{ pid: number; exit: Promise<ProcessEnd>; stdin: ChildProcess['stdin'] }> {
  const [file, ...args] = launch.command as [string, ...string[]];
  const child: ChildProcess = spawn(file, args, {
    cwd: launch.directory,
    // SKIFF_INSTANCE_ID also marks the process as this instance's, for reap().
    env: { ...baseEnv, ...launch.env, ...volumes, PORT: String(launch.port), SKIFF_INSTANCE_ID: launch.instanceId },
    // A pipe for a caller that feeds it (a one-off command); it closes with the control plane, which
    // the command sees as the end of its input.
    stdio: [launch.stdin ? 'pipe' : 'ignore', output, output],
    // Its own process group: a Ctrl-C in the terminal does not reach it, and stop() can end the
    // whole group, children included.
    detached: true,
  });
  const exit = new Promise<ProcessEnd>((resolve) => {
    child.once('exit', (exitCode, signal) => resolve({ exitCode, signal }));
  });
  // Nothing of the instance holds this event loop open, and no pipe ties it to this process but
  // the input of a command that asked for one (a write after it ended is not an error here).
  child.stdin?.on('error', () => undefined);
  return unrefOnceSpawned(child).then(({ pid }) => ({ pid, exit, stdin: child.stdin }));
}

export function createProcessDriver(options: ProcessDriverOptions): Driver {
  const baseEnv = options.baseEnv;
  const logRotation = options.logRotation ?? defaultLogRotation;
  const logWriterScript = options.logWriterScript ?? defaultLogWriterScript;
  const cgroups: CgroupDetection =
    options.resourceLimits === 'off'
      ? { enforced: false, reason: 'resource limits are turned off in the process driver options' }
      : detectCgroups();
  const capabilities: DriverCapabilities = {
    recover: true,
    stdin: true,
    exitAfterRecover: true,
    resourceLimits: cgroups.enforced ? { enforced: true } : { enforced: false, reason: cgroups.reason },
  };

  /** A process cannot be given the volume's `path` itself: it gets its own directory, named in SKIFF_VOLUME_<NAME>. */
  async function prepareVolumes(launch: InstanceLaunch): Promise<Record<string, string>> {
    const locate = (name: string): string => volumeDirectory(options.dataDir, { environment: launch.environment, service: launch.service, name });
    const volumes = launch.volumes ?? [];
    try {
      for (const volume of volumes) await mkdir(locate(volume.name), { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new SkiffError('SKIFF_DRIVER_START_FAILED', `cannot create the volumes of ${launch.instanceId}: ${(error as Error).message}`, { cause: error });
    }
    return volumeEnv(volumes, (volume) => locate(volume.name));
  }

  async function start(requested: InstanceLaunch): Promise<RunningInstance> {
    await checkLaunch(requested);
    const volumes = await prepareVolumes(requested);
    const logPath = instanceLogPath(requested.logDir, requested.instanceId);
    const exitFile = requested.recordExit ? `${logPath}.exit` : undefined;
    const launch = exitFile ? await recordingExit(requested, exitFile) : requested;
    let writer: ChildProcess;
    try {
      await mkdir(launch.logDir, { recursive: true, mode: 0o700 });
      // The file exists once start() returns, whenever the writer gets to open it.
      await (await open(logPath, 'a', 0o600)).close();
      writer = await spawnLogWriter(logWriterScript, logPath, logRotation);
    } catch (error) {
      throw new SkiffError('SKIFF_DRIVER_START_FAILED', `cannot start the log writer for ${logPath}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const output = writer.stdin as NonNullable<ChildProcess['stdin']>;
    let cgroupDirs: string[] = [];
    try {
      if (cgroups.enforced) cgroupDirs = await cgroups.cgroups.create(launch.instanceId, launch.resources);
    } catch (error) {
      output.destroy();
      await removeCgroups(cgroupDirs);
      throw new SkiffError('SKIFF_DRIVER_START_FAILED', `cannot set up cgroups for ${launch.instanceId}: ${(error as Error).message}`, {
        cause: error,
      });
    }

    try {
      const { pid, exit, stdin } = await spawnDetached(launch, output, baseEnv, volumes);
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
        ...(exitFile ? { exitFile } : {}),
      };
      const running = runningProcess(handle, exit.then((end) => afterLastOutput(writer, end)));
      return stdin ? { ...running, stdin } : running;
    } catch (error) {
      await removeCgroups(cgroupDirs);
      throw new SkiffError(
        'SKIFF_DRIVER_START_FAILED',
        `cannot start "${describeCommand(launch.command)}" in ${launch.directory}: ${(error as Error).message}`,
        { cause: error, hint: 'check that the command exists and is executable (it runs without a shell)' },
      );
    } finally {
      // The instance holds the pipe now; the writer ends when the instance's side closes.
      output.destroy();
    }
  }

  /** Runs the command behind the exit recorder, once it is known to exist (the recorder would hide a missing one). */
  async function recordingExit(launch: InstanceLaunch, exitFile: string): Promise<InstanceLaunch> {
    const [program = ''] = launch.command;
    const searchPath = launch.env['PATH'] ?? baseEnv['PATH'];
    if ((await findExecutable(program, launch.directory, searchPath)) === null) {
      throw new SkiffError('SKIFF_DRIVER_START_FAILED', `cannot start "${describeCommand(launch.command)}" in ${launch.directory}: ${program} was not found or is not executable`, {
        hint: 'check the command: it runs without a shell, found on PATH or relative to the service directory',
      });
    }
    await rm(exitFile, { force: true });
    return { ...launch, command: [process.execPath, exitRecorderScript, exitFile, '--', ...launch.command] };
  }

  async function recover(handle: InstanceHandle): Promise<RunningInstance | null> {
    if (handle.exitFile !== undefined) {
      // Its end is known from the file it leaves: a command that ended while no control plane ran is still reported.
      const exitFile = handle.exitFile;
      const alive = await isProcessRunning(handle.pid, handle.startTime);
      if (!alive && !(await stat(exitFile).then(() => true, () => false))) return recoverEnded(handle);
      const ended = alive ? pollUntilGone(handle.pid, handle.startTime) : Promise.resolve({ exitCode: null, signal: null });
      return runningProcess(handle, ended.then(async (end) => (await readRecordedExit(exitFile)) ?? end));
    }
    if (!(await isProcessRunning(handle.pid, handle.startTime))) return recoverEnded(handle);
    return runningProcess(handle, pollUntilGone(handle.pid, handle.startTime));
  }

  /** It ended while no control plane was watching: tidy what it left. */
  async function recoverEnded(handle: InstanceHandle): Promise<null> {
    await killCgroupProcesses(handle.cgroups);
    await removeCgroups(handle.cgroups);
    return null;
  }

  async function usage(handle: InstanceHandle): Promise<{ cpuSeconds: number; rssBytes: number } | null> {
    const stat = await readProcStat(handle.pid);
    if (stat === null || stat.startTime !== handle.startTime || isDeadState(stat.state)) return null;
    const rssBytes = await readRssBytes(handle.pid);
    if (rssBytes === null) return null;
    return { cpuSeconds: (stat.utimeTicks + stat.stimeTicks) / CLOCK_TICKS_PER_SECOND, rssBytes };
  }

  /** Instances are found by the SKIFF_INSTANCE_ID every one of them gets, and killed with their groups. */
  async function reap(instanceId: string): Promise<number> {
    const pids = processesWithEnv(`SKIFF_INSTANCE_ID=${instanceId}`);
    for (const pid of pids) signalGroupQuietly(pid, 'SIGKILL');
    return pids.length;
  }

  const volumes: VolumeStorage = {
    describe: (ref) => volumeDirectory(options.dataDir, ref),
    exists: (ref) => directoryExists(volumeDirectory(options.dataDir, ref)),
    backup: (ref, tarPath) => backupDirectory(volumeDirectory(options.dataDir, ref), tarPath),
    restore: (ref, tarPath) => restoreDirectory(volumeDirectory(options.dataDir, ref), tarPath),
    remove: (ref) => removeDirectory(volumeDirectory(options.dataDir, ref)),
  };

  return { kind: 'process', capabilities, start, recover, usage, reap, volumes };
}
