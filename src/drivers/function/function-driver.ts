/**
 * The function driver: runs each instance of a function service in its own function runtime
 * process (one process, one function's code), taken from a warm pool. Starting an instance moves
 * a pooled runtime into the instance's cgroups, then tells it what to load; it resolves once the
 * runtime serves the handler on the instance's port, or rejects with the runtime's reason (no
 * such file, no `fetch` export, an import that threw). Running instances are plain processes:
 * stop, recover and usage are the process driver's.
 */
import { access, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SkiffError } from '../../core/errors.js';
import { isProcessRunning, readProcStatSync } from '../../core/proc.js';
import type { Driver, DriverCapabilities, InstanceExit, InstanceHandle, InstanceLaunch, RunningInstance, WarmPoolStatus } from '../driver.js';
import { attachToCgroups, detectCgroups, removeCgroups } from '../process/cgroups.js';
import type { CgroupDetection } from '../process/cgroups.js';
import { defaultLogRotation } from '../process/log-rotation.js';
import type { LogRotation } from '../process/log-rotation.js';
import { createProcessDriver, instanceLogPath } from '../process/process-driver.js';
import { runningProcess } from '../process/running-process.js';
import type { LoadMessage } from './runtime/protocol.js';
import { heldOpen, WarmPool } from './warm-pool.js';
import type { PooledRuntime } from './warm-pool.js';
import type { Resources } from '../../spec/schema.js';
import { wakeStep, wakeTraceFile } from '../../core/wake-trace.js';

export const defaultWarmPoolSize = 2;

export interface FunctionDriverOptions {
  readonly dataDir: string;
  readonly baseEnv: Readonly<Record<string, string>>;
  /** How many started runtimes wait for a function (default 2; 0 starts Node for each instance). */
  readonly warmPool?: number;
  /** The runtime's entry; default: dist/drivers/function/runtime/main.js beside this file. */
  readonly runtimeScript?: string;
  readonly resourceLimits?: 'auto' | 'off';
  readonly logRotation?: LogRotation;
  /** How long a runtime may take to load its handler and listen (default 10 s). */
  readonly loadTimeoutMs?: number;
}

/** A driver with a warm pool: its state for `skiff status`, and a way to end it. */
export interface FunctionDriver extends Driver {
  warmPool(): WarmPoolStatus;
  close(): Promise<void>;
}

const defaultRuntimeScript = fileURLToPath(new URL('./runtime/main.js', import.meta.url));

function sameResources(a: Resources, b: Resources): boolean {
  return a.memory === b.memory && a.cpu === b.cpu && a.pids === b.pids;
}

/** Adds the runtime's own account of why it ended, when it ended itself (runtime/event-loop-watchdog.ts). */
function withEndedReason(running: RunningInstance, endedPath: string): RunningInstance {
  const exited = running.exited.then(async (exit): Promise<InstanceExit> => {
    const reason = await readFile(endedPath, 'utf8').catch(() => null);
    if (reason === null) return exit;
    await rm(endedPath, { force: true });
    return { ...exit, reason: reason.trim() };
  });
  return { handle: running.handle, exited, stop: (graceMs) => running.stop(graceMs).then(() => exited) };
}

function signalGroupQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

export function createFunctionDriver(options: FunctionDriverOptions): FunctionDriver {
  const processes = createProcessDriver({ dataDir: options.dataDir, baseEnv: options.baseEnv, ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}) });
  const cgroups: CgroupDetection =
    options.resourceLimits === 'off' ? { enforced: false, reason: 'resource limits are turned off in the function driver options' } : detectCgroups();
  const rotation = options.logRotation ?? defaultLogRotation;
  const loadTimeoutMs = options.loadTimeoutMs ?? 10_000;
  const pidDir = path.join(options.dataDir, 'functions');
  const endedPathOf = (instanceId: string): string => path.join(pidDir, `${instanceId}.ended`);
  // The limits of the last placed instance: most functions have the same (the default memory), so
  // a runtime entering the pool is put into cgroups with them, and placing it costs no cgroup work.
  let lastResources: Resources | null = null;
  const pool = new WarmPool({
    size: options.warmPool ?? defaultWarmPoolSize,
    script: options.runtimeScript ?? defaultRuntimeScript,
    env: options.baseEnv,
    prepare: async (pid, exit) => {
      const resources = lastResources;
      if (!cgroups.enforced || resources === null) return null;
      const directories = await cgroups.cgroups.create(`pool-${pid}`, resources);
      if (!(await attachToCgroups(directories, pid))) {
        await removeCgroups(directories);
        return null;
      }
      // Whoever ends it (the pool's close, the instance's stop), its cgroups go with it.
      void exit.then(() => removeCgroups(directories));
      return { resources, directories };
    },
  });
  const capabilities: DriverCapabilities = { recover: true, resourceLimits: processes.capabilities.resourceLimits, servesOnStart: true };

  /** The function's settings; no file is touched here: the runtime opens the log and imports the handler. */
  function settingsOf(launch: InstanceLaunch): NonNullable<InstanceLaunch['function']> {
    if (launch.function) return launch.function;
    throw new SkiffError('SKIFF_DRIVER_START_FAILED', `instance ${launch.instanceId} of ${launch.service} has no function settings`, {
      hint: 'only services with `kind: function` run on the function driver',
    });
  }

  function handlerMissing(launch: InstanceLaunch, handler: string, handlerPath: string): SkiffError {
    return new SkiffError('SKIFF_FUNCTION_HANDLER_MISSING', `services.${launch.service}.handler: ${handlerPath} does not exist in release ${launch.release}`, {
      hint: `the handler is relative to the service directory; check that the artifact contains ${handler}`,
    });
  }

  async function load(runtime: PooledRuntime, message: LoadMessage): Promise<void> {
    const reply = await new Promise<Awaited<ReturnType<PooledRuntime['next']>> | 'timeout'>((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), loadTimeoutMs);
      runtime.child.send(message, (error) => {
        if (error) resolve(null);
      });
      wakeStep('driver.load-sent');
      void runtime.next().then((next) => {
        clearTimeout(timer);
        resolve(next);
      });
    });
    if (reply !== null && reply !== 'timeout' && reply.type === 'ready') return;
    signalGroupQuietly(runtime.child.pid, 'SIGKILL');
    if (reply === 'timeout') throw new SkiffError('SKIFF_FUNCTION_LOAD_FAILED', `the runtime did not serve ${message.handlerPath} within ${loadTimeoutMs} ms`);
    if (reply !== null && reply.type === 'failed') throw new SkiffError(reply.code, reply.reason);
    const end = await heldOpen(runtime.exit);
    throw new SkiffError('SKIFF_FUNCTION_LOAD_FAILED', `the runtime ended while loading ${message.handlerPath} (${end.signal ?? `exit code ${end.exitCode}`})`);
  }

  /** The instance's cgroups, with the runtime in them: those it waited in when their limits match, else new ones. */
  async function confine(launch: InstanceLaunch, runtime: PooledRuntime): Promise<readonly string[]> {
    const pid = runtime.child.pid;
    const prepared = await runtime.prepared;
    if (prepared !== null && sameResources(prepared.resources, launch.resources)) return prepared.directories;
    lastResources = launch.resources;
    const directories = cgroups.enforced ? await cgroups.cgroups.create(launch.instanceId, launch.resources) : [];
    if (!(await attachToCgroups(directories, pid))) {
      await removeCgroups(directories);
      throw new Error('the runtime ended before it was given a function');
    }
    // Moved out of the cgroups it waited in (with other limits): those are empty now.
    if (prepared !== null) await removeCgroups(prepared.directories);
    return directories;
  }

  async function start(launch: InstanceLaunch): Promise<RunningInstance> {
    const settings = settingsOf(launch);
    const handlerPath = path.resolve(launch.directory, settings.handler);
    const logPath = instanceLogPath(launch.logDir, launch.instanceId);
    // Looked for while the runtime loads it: a failed load is then told apart from a missing file.
    const handlerFound = access(handlerPath).then(() => true, () => false);
    const runtime = pool.take();
    if (runtime === null) throw new SkiffError('SKIFF_DRIVER_START_FAILED', `cannot start a function runtime for ${launch.instanceId}`);
    const pid = runtime.child.pid;
    const startTime = readProcStatSync(pid)?.startTime ?? 0;
    const pidFile = path.join(pidDir, `${launch.instanceId}.json`);
    // The handler loads while the cgroups are set up: a start waits for the slower of the two, not
    // both. What the import allocates before the move is charged to Skiff's own cgroup.
    const confined = confine(launch, runtime);
    const wakeTrace = wakeTraceFile();
    const loaded = load(runtime, {
      type: 'load',
      handlerPath,
      env: { ...launch.env, SKIFF_INSTANCE_ID: launch.instanceId },
      port: launch.port,
      host: '127.0.0.1',
      timeoutMs: settings.timeoutMs,
      concurrency: settings.concurrency,
      logPath,
      logMaxBytes: rotation.maxBytes,
      logKeep: rotation.keep,
      endedPath: endedPathOf(launch.instanceId),
      ...(wakeTrace === null ? {} : { wakeTrace }),
    });
    // Found by reap() if this control plane dies before the handle is recorded.
    const recorded = mkdir(pidDir, { recursive: true }).then(() => writeFile(pidFile, JSON.stringify({ pid, startTime })));
    const [cgroupDirs, loading, writing] = await Promise.allSettled([confined, loaded, recorded]);
    if (cgroupDirs.status === 'fulfilled' && loading.status === 'fulfilled' && writing.status === 'fulfilled') {
      void runtime.exit.then(() => rm(pidFile, { force: true }));
      wakeStep('driver.started');
      const handle: InstanceHandle = { driver: 'function', instanceId: launch.instanceId, pid, startTime, port: launch.port, logPath, cgroups: cgroupDirs.value };
      return withEndedReason(runningProcess(handle, runtime.exit), endedPathOf(launch.instanceId));
    }
    signalGroupQuietly(pid, 'SIGKILL');
    await heldOpen(runtime.exit);
    if (cgroupDirs.status === 'fulfilled') await removeCgroups(cgroupDirs.value);
    await rm(pidFile, { force: true });
    if (!(await handlerFound)) throw handlerMissing(launch, settings.handler, handlerPath);
    const error: unknown = [loading, cgroupDirs, writing].find((result) => result.status === 'rejected')?.reason;
    if (error instanceof SkiffError) throw error;
    throw new SkiffError('SKIFF_DRIVER_START_FAILED', `cannot start function ${launch.instanceId}: ${(error as Error).message}`, { cause: error });
  }

  async function reap(instanceId: string): Promise<number> {
    const file = path.join(pidDir, `${instanceId}.json`);
    const recorded = await readFile(file, 'utf8').then((text) => JSON.parse(text) as { pid: number; startTime: number }, () => null);
    await rm(file, { force: true });
    if (recorded === null || !(await isProcessRunning(recorded.pid, recorded.startTime))) return 0;
    signalGroupQuietly(recorded.pid, 'SIGKILL');
    return 1;
  }

  return {
    kind: 'function',
    capabilities,
    start,
    recover: async (handle) => {
      const running = await processes.recover(handle);
      return running && withEndedReason(running, endedPathOf(handle.instanceId));
    },
    usage: (handle) => processes.usage(handle),
    reap,
    warmPool: () => pool.status(),
    close: () => pool.close(),
  };
}
