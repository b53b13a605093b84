/**
 * A scriptable in-memory driver for planner, executor and provider tests: instances "run" until
 * the test crashes them or the code under test stops them. It passes the same contract suite as
 * the process driver. Its kind is `process`, so it can stand in for that driver:
 * `createDrivers({ dataDir, overrides: { process: fake } })`.
 */
import { sleep as realSleep } from '../../core/clock.js';
import { SkiffError } from '../../core/errors.js';
import type {
  Driver,
  InstanceExit,
  InstanceHandle,
  InstanceLaunch,
  InstanceUsage,
  ResourceEnforcement,
  RunningInstance,
} from '../driver.js';

export interface FakeBehaviour {
  /** The instance ignores SIGTERM: stop() waits out the whole grace and ends it with SIGKILL. */
  readonly ignoresTerm?: boolean;
  /** start() rejects with SKIFF_DRIVER_START_FAILED and this message. */
  readonly failStart?: string;
}

export interface FakeDriverOptions {
  /** Decides how each launched instance behaves. */
  readonly behaviour?: (launch: InstanceLaunch) => FakeBehaviour;
  readonly resourceLimits?: ResourceEnforcement;
  /** Waits out the stop grace; tests with a fake clock can pass their own. */
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface FakeCrash {
  readonly signal?: string;
  readonly oomKilled?: boolean;
}

export interface FakeStop {
  readonly instanceId: string;
  readonly graceMs: number;
}

export interface FakeDriver extends Driver {
  /** Ends the running instances with this id as a crash; false when none was running. */
  crash(instanceId: string, exitCode?: number, crash?: FakeCrash): boolean;
  /** Handles of the instances running now, oldest first. */
  running(): readonly InstanceHandle[];
  /** Every launch passed to start(), in order, including failed ones. */
  launches(): readonly InstanceLaunch[];
  /** Every stop() that reached a running instance. */
  stops(): readonly FakeStop[];
  /** The next start() rejects with SKIFF_DRIVER_START_FAILED. */
  failNextStart(message?: string): void;
  setUsage(instanceId: string, usage: InstanceUsage): void;
}

interface FakeInstance {
  readonly handle: InstanceHandle;
  readonly behaviour: FakeBehaviour;
  readonly exited: Promise<InstanceExit>;
  end(exit: InstanceExit): void;
  alive: boolean;
  usage: InstanceUsage;
  stopping?: Promise<InstanceExit>;
}

export function createFakeDriver(options: FakeDriverOptions = {}): FakeDriver {
  const sleep = options.sleep ?? ((ms: number) => realSleep(ms));
  const instances = new Map<number, FakeInstance>();
  const launched: InstanceLaunch[] = [];
  const stopped: FakeStop[] = [];
  let nextPid = 40_000;
  let ticks = 1_000;
  let failNext: string | undefined;

  function alive(): FakeInstance[] {
    return [...instances.values()].filter((instance) => instance.alive);
  }

  function attach(instance: FakeInstance): RunningInstance {
    return {
      handle: instance.handle,
      exited: instance.exited,
      stop(graceMs) {
        if (!instance.alive) return instance.exited;
        // A later stop with less grace than the one under way kills sooner (here: at once, for no grace).
        if (instance.stopping && graceMs === 0) {
          stopped.push({ instanceId: instance.handle.instanceId, graceMs });
          instance.end({ exitCode: null, signal: 'SIGKILL', oomKilled: false });
          return instance.exited;
        }
        instance.stopping ??= (async () => {
          stopped.push({ instanceId: instance.handle.instanceId, graceMs });
          if (instance.behaviour.ignoresTerm) {
            await Promise.race([sleep(graceMs), instance.exited]);
            instance.end({ exitCode: null, signal: 'SIGKILL', oomKilled: false });
          } else {
            instance.end({ exitCode: null, signal: 'SIGTERM', oomKilled: false });
          }
          return instance.exited;
        })();
        return instance.stopping;
      },
    };
  }

  return {
    kind: 'process',
    capabilities: {
      recover: true,
      resourceLimits: options.resourceLimits ?? { enforced: false, reason: 'the fake driver enforces no limits' },
    },

    async start(launch) {
      launched.push(launch);
      const behaviour = options.behaviour?.(launch) ?? {};
      const failure = failNext ?? behaviour.failStart;
      failNext = undefined;
      if (failure !== undefined) throw new SkiffError('SKIFF_DRIVER_START_FAILED', failure);
      const pid = nextPid++;
      const handle: InstanceHandle = {
        driver: 'process',
        instanceId: launch.instanceId,
        pid,
        startTime: ticks++,
        port: launch.port,
        logPath: `${launch.logDir}/${launch.instanceId}.log`,
        cgroups: [],
      };
      let resolveExit!: (exit: InstanceExit) => void;
      const exited = new Promise<InstanceExit>((resolve) => {
        resolveExit = resolve;
      });
      const instance: FakeInstance = {
        handle,
        behaviour,
        exited,
        alive: true,
        usage: { cpuSeconds: 0, rssBytes: 10 * 1024 * 1024 },
        end(exit) {
          if (!instance.alive) return;
          instance.alive = false;
          resolveExit(exit);
        },
      };
      instances.set(pid, instance);
      return attach(instance);
    },

    async recover(handle) {
      const instance = instances.get(handle.pid);
      if (!instance?.alive || instance.handle.startTime !== handle.startTime) return null;
      return attach(instance);
    },

    async reap(instanceId) {
      const victims = alive().filter((instance) => instance.handle.instanceId === instanceId);
      for (const instance of victims) instance.end({ exitCode: null, signal: 'SIGKILL', oomKilled: false });
      return victims.length;
    },

    async usage(handle) {
      const instance = instances.get(handle.pid);
      return instance?.alive && instance.handle.startTime === handle.startTime ? instance.usage : null;
    },

    crash(instanceId, exitCode = 1, crash = {}) {
      const victims = alive().filter((instance) => instance.handle.instanceId === instanceId);
      for (const instance of victims) {
        instance.end({
          exitCode: crash.signal === undefined ? exitCode : null,
          signal: crash.signal ?? null,
          oomKilled: crash.oomKilled ?? false,
        });
      }
      return victims.length > 0;
    },

    running: () => alive().map((instance) => instance.handle),
    launches: () => [...launched],
    stops: () => [...stopped],
    failNextStart(message = 'the fake driver was told to fail this start') {
      failNext = message;
    },
    setUsage(instanceId, usage) {
      for (const instance of alive()) if (instance.handle.instanceId === instanceId) instance.usage = usage;
    },
  };
}
