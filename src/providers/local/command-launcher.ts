/**
 * One-off commands on this machine: a command runs with a release's directory (or image), config,
 * secrets and limits through the driver its instances use, as a detached process group (or a
 * container) with its output in a log file, so it outlives the control plane and a new one
 * adopts it like an instance.
 */
import path from 'node:path';
import { SkiffError } from '../../core/errors.js';
import type { Driver, InstanceHandle, RunningInstance } from '../../drivers/driver.js';
import type { CommandHandle, CommandLaunch, RunningCommand } from '../../reconcile/provider.js';
import type { DriverKind } from '../../spec/schema.js';
import { freePort } from './free-port.js';
import type { InstanceLifecycleDeps } from './instance-lifecycle.js';
import { skiffEnv } from './instance-record.js';

export interface CommandLauncherDeps {
  readonly environment: string;
  readonly dataDir: string;
  readonly drivers: Readonly<Record<DriverKind, Driver>>;
  readonly routerUrl: string;
  readonly prepare: InstanceLifecycleDeps['prepare'];
  readonly secretEnv: InstanceLifecycleDeps['secretEnv'];
}

/** Where the output of the environment's commands is kept, one file per run. */
export function commandLogDir(dataDir: string, environment: string, service: string): string {
  return path.join(dataDir, 'runs', environment, service);
}

export async function startCommand(deps: CommandLauncherDeps, launch: CommandLaunch): Promise<RunningCommand> {
  const { release } = launch;
  if (release.driver === 'function') {
    throw new SkiffError('SKIFF_NOT_SUPPORTED', `${release.name} is a function: it has no process to run a command with`, {
      hint: 'run the command with a service that has a start command or an image',
    });
  }
  const driver = deps.drivers[release.driver];
  const { directory, image } = await deps.prepare(release);
  const secrets = await deps.secretEnv(release);
  const label = release.release ?? 'none';
  const running = await driver.start({
    instanceId: launch.runId,
    service: release.name,
    environment: deps.environment,
    release: label,
    directory,
    command: launch.command,
    env: {
      ...release.env,
      ...secrets,
      SKIFF_RUN_ID: launch.runId,
      ...launch.env,
      ...skiffEnv({ service: release.name, environment: deps.environment, release: label }, deps.routerUrl),
    },
    // Some programs read PORT at load even when they only run a task; nothing routes to it.
    port: await freePort(new Set()),
    resources: release.resources,
    logDir: commandLogDir(deps.dataDir, deps.environment, release.name),
    ...(image !== undefined ? { image } : {}),
    ...(release.volumes.length > 0 ? { volumes: release.volumes } : {}),
    stdin: launch.stdin,
    // A later control plane that adopts it learns how it ended.
    recordExit: true,
  });
  return asCommand(running);
}

export async function recoverCommand(deps: CommandLauncherDeps, handle: CommandHandle): Promise<RunningCommand | null> {
  const instanceHandle = handle as unknown as InstanceHandle;
  const driver = deps.drivers[instanceHandle.driver];
  if (!driver) return null;
  const running = await driver.recover(instanceHandle);
  return running ? asCommand(running) : null;
}

function asCommand(running: RunningInstance): RunningCommand {
  return {
    handle: running.handle as unknown as CommandHandle,
    pid: running.handle.pid,
    logPath: running.handle.logPath,
    exited: running.exited,
    stop: (graceMs) => running.stop(graceMs),
    ...(running.stdin ? { stdin: running.stdin } : {}),
  };
}
