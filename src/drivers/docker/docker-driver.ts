/**
 * The docker driver: runs an instance as a container on the local Docker engine, published on
 * 127.0.0.1 at the instance's port, with the engine enforcing its limits. The engine owns the
 * container, so it outlives the control plane; a new control plane adopts it with `recover()`
 * by its id and labels. Containers without Skiff's labels are never stopped, removed or adopted.
 */
import { appendFile, mkdir, rm } from 'node:fs/promises';
import type Docker from 'dockerode';
import { SkiffError } from '../../core/errors.js';
import { readProcStatSync } from '../../core/proc.js';
import type {
  Driver,
  DriverAvailability,
  DriverCapabilities,
  InstanceHandle,
  InstanceLaunch,
  InstanceUsage,
  ResourceEnforcement,
  RunningInstance,
} from '../driver.js';
import { instanceLogPath } from '../process/process-driver.js';
import { containerCreateOptions, containerName, isSkiffContainer, skiffLabels, volumeRef } from './container-spec.js';
import {
  connectEngine,
  describeEngine,
  engineSocketMissing,
  engineStatusCode,
  engineUnavailableError,
  probeEngine,
} from './engine.js';
import { inspectImage } from './image-build.js';
import { logCursorPath, pumpContainerLogs } from './log-pump.js';
import { bridgeGateway, containerHostAccess } from './router-access.js';
import { runningContainer } from './running-container.js';
import { dockerVolumeStorage, ensureDockerVolumes } from './docker-volumes.js';

export interface DockerDriverOptions {
  /** The engine's address as in DOCKER_HOST; default: dockerode's (DOCKER_HOST, else /var/run/docker.sock). */
  readonly dockerHost?: string;
  /** Tells this data dir's volumes apart from another's on the same engine (see volumeScope()). */
  readonly volumeScope?: string;
}

export interface DockerDriver extends Driver {
  /** Pings the engine and updates `capabilities.available`. */
  checkEngine(): Promise<DriverAvailability>;
  /** The default bridge's gateway, where containers reach the router; null while the engine does not answer. */
  routerAddress(): Promise<string | null>;
}

type ContainerHandle = InstanceHandle & { containerId: string };

// The id names a container and a log file.
const safeInstanceId = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
const LOG_DRAIN_MS = 2000;

/** Errors that mean the engine could not be reached at all, rather than that it refused. */
function isConnectionError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'EACCES' || code === 'ECONNRESET' || code === 'EHOSTUNREACH';
}

function engineMessage(error: unknown): string {
  const json = (error as { json?: { message?: unknown } } | null)?.json;
  if (json && typeof json.message === 'string') return json.message;
  return (error as Error).message;
}

export function createDockerDriver(options: DockerDriverOptions = {}): DockerDriver {
  const address = { ...(options.dockerHost !== undefined ? { dockerHost: options.dockerHost } : {}) };
  const docker: Docker = connectEngine(address);
  const volumeScope = options.volumeScope ?? 'default';
  let availability: DriverAvailability = engineSocketMissing(address)
    ? { available: false, reason: engineUnavailableError(address, 'the socket does not exist').message }
    : { available: true };

  async function checkEngine(): Promise<DriverAvailability> {
    const status = await probeEngine(docker);
    availability = status.reachable ? { available: true } : { available: false, reason: engineUnavailableError(address, status.reason).message };
    return availability;
  }
  // The first ping settles the guess made from the socket file.
  void checkEngine();
  let gateway: string | null = null;
  /** The bridge gateway, asked of the engine until it answers (it does not change while the engine runs). */
  async function routerAddress(): Promise<string | null> {
    gateway ??= await bridgeGateway(docker);
    return gateway;
  }

  const capabilities: DriverCapabilities = {
    recover: true,
    stdin: true,
    get resourceLimits(): ResourceEnforcement {
      return availability.available ? { enforced: true } : { enforced: false, reason: availability.reason ?? 'no Docker engine' };
    },
    get available(): DriverAvailability {
      return availability;
    },
  };

  async function requireEngine(): Promise<void> {
    const status = await probeEngine(docker);
    if (!status.reachable) {
      availability = { available: false, reason: engineUnavailableError(address, status.reason).message };
      throw engineUnavailableError(address, status.reason);
    }
    availability = { available: true };
  }

  async function createContainer(launch: InstanceLaunch, image: string): Promise<Docker.Container> {
    const address = await routerAddress();
    const host = address === null ? null : containerHostAccess(launch.env, address);
    await ensureDockerVolumes(docker, volumeScope, (launch.volumes ?? []).map((volume) => volumeRef(launch, volume.name)));
    const createOptions = containerCreateOptions(launch, image, host, volumeScope);
    try {
      return await docker.createContainer(createOptions);
    } catch (error) {
      if (engineStatusCode(error) !== 409) throw error;
      // The name is taken: by a leftover of this same instance (removed and retried), or by something else (refused).
      const existing = await docker.getContainer(containerName(launch.instanceId)).inspect().catch(() => null);
      if (!existing || !isSkiffContainer(existing.Config.Labels, launch.instanceId) || existing.State.Running) throw error;
      await docker.getContainer(existing.Id).remove({ force: true });
      return docker.createContainer(createOptions);
    }
  }

  async function start(launch: InstanceLaunch): Promise<RunningInstance> {
    if (!safeInstanceId.test(launch.instanceId)) {
      throw new SkiffError('SKIFF_DRIVER_START_FAILED', `instance id "${launch.instanceId}" is not usable as a container name`);
    }
    if (launch.image === undefined || launch.image === '') {
      throw new SkiffError('SKIFF_DRIVER_START_FAILED', `instance ${launch.instanceId} of ${launch.service} has no container image`, {
        hint: 'a docker service needs `image: { ref: name:tag }` or `image: { dockerfile: ./Dockerfile }`',
      });
    }
    await requireEngine();
    const image = await inspectImage(docker, launch.image);
    if (image === null) {
      throw new SkiffError('SKIFF_DOCKER_IMAGE_MISSING', `image ${launch.image} of ${launch.service} is not in the Docker engine at ${describeEngine(address)}`, {
        hint: 'build it (`skiff build`, or `docker build -t name:tag .`); no image can be pulled from a registry by Skiff',
      });
    }
    const logPath = instanceLogPath(launch.logDir, launch.instanceId);
    let container: Docker.Container;
    try {
      await mkdir(launch.logDir, { recursive: true });
      // A fresh container's log starts at its beginning, not at an earlier cursor.
      await rm(logCursorPath(logPath), { force: true });
      // The file exists once start() resolves, as with the process driver; the pump fills it.
      await appendFile(logPath, '');
      container = await createContainer(launch, image.id);
    } catch (error) {
      if (isConnectionError(error)) throw engineUnavailableError(address, (error as Error).message);
      throw new SkiffError('SKIFF_DRIVER_START_FAILED', `cannot create the container of ${launch.instanceId}: ${engineMessage(error)}`, {
        cause: error,
      });
    }
    let input: NodeJS.ReadWriteStream | undefined;
    try {
      // Attached before it starts, so that no input is lost and the end of input reaches it.
      if (launch.stdin) input = await attachInput(container);
      await container.start();
    } catch (error) {
      input?.end();
      await container.remove({ force: true }).catch(() => undefined);
      throw new SkiffError('SKIFF_DRIVER_START_FAILED', `cannot start the container of ${launch.instanceId} (image ${launch.image}): ${engineMessage(error)}`, {
        cause: error,
        hint: 'check the command exists in the image and the port is free',
      });
    }
    const info = await container.inspect().catch(() => null);
    const pid = info?.State.Pid ?? 0;
    const handle: ContainerHandle = {
      driver: 'docker',
      instanceId: launch.instanceId,
      pid,
      startTime: pid > 0 ? (readProcStatSync(pid)?.startTime ?? 0) : 0,
      port: launch.port,
      logPath,
      cgroups: [],
      containerId: container.id,
    };
    return runningContainer(docker, handle, pumpContainerLogs(container, logPath), input);
  }

  /** The container of a handle, only when its labels say it is this Skiff instance. */
  async function findOwnContainer(handle: InstanceHandle): Promise<Docker.ContainerInspectInfo | null> {
    let id = handle.containerId;
    if (id === undefined) {
      const found = await docker.listContainers({
        all: true,
        filters: { label: [`${skiffLabels.managed}=true`, `${skiffLabels.instance}=${handle.instanceId}`] },
      });
      id = found[0]?.Id;
      if (id === undefined) return null;
    }
    try {
      const info = await docker.getContainer(id).inspect();
      return isSkiffContainer(info.Config.Labels, handle.instanceId) ? info : null;
    } catch (error) {
      if (engineStatusCode(error) === 404) return null;
      throw error;
    }
  }

  async function recover(handle: InstanceHandle): Promise<RunningInstance | null> {
    const info = await findOwnContainer(handle);
    if (info === null) return null;
    const container = docker.getContainer(info.Id);
    const pump = pumpContainerLogs(container, handle.logPath);
    if (!info.State.Running) {
      // It ended while no control plane was watching: copy the rest of its output, then tidy up.
      const timer = setTimeout(() => pump.stop(), LOG_DRAIN_MS);
      await pump.done;
      clearTimeout(timer);
      await container.remove({ force: true }).catch(() => undefined);
      return null;
    }
    return runningContainer(docker, { ...handle, containerId: info.Id }, pump);
  }

  async function usage(handle: InstanceHandle): Promise<InstanceUsage | null> {
    if (handle.containerId === undefined) return null;
    try {
      // one-shot: the engine answers at once instead of sampling the CPU twice a second apart.
      const stats = (await docker.getContainer(handle.containerId).stats({ stream: false, 'one-shot': true } as { stream: false })) as Docker.ContainerStats;
      const memory = stats.memory_stats;
      if (memory?.usage === undefined) return null;
      const inner = memory.stats as Record<string, number | undefined> | undefined;
      const rssBytes = inner?.rss ?? inner?.anon ?? memory.usage - (inner?.total_inactive_file ?? inner?.inactive_file ?? 0);
      return { cpuSeconds: stats.cpu_stats.cpu_usage.total_usage / 1e9, rssBytes };
    } catch {
      return null;
    }
  }

  /** The container is named by the instance: removed if it exists. */
  async function reap(instanceId: string): Promise<number> {
    try {
      await docker.getContainer(containerName(instanceId)).remove({ force: true });
      return 1;
    } catch {
      return 0; // No such container (404), or no engine: nothing it left.
    }
  }

  const volumes = dockerVolumeStorage(docker, volumeScope);
  return { kind: 'docker', capabilities, start, recover, usage, checkEngine, routerAddress, reap, volumes };
}

/**
 * The container's standard input alone (its output goes through the log pump): a hijacked
 * connection whose end, with `StdinOnce`, closes the container's input.
 */
async function attachInput(container: Docker.Container): Promise<NodeJS.ReadWriteStream> {
  const stream = (await container.attach({ stream: true, hijack: true, stdin: true, stdout: false, stderr: false })) as NodeJS.ReadWriteStream;
  // A write after the container ended is not an error here, as with a process's pipe.
  stream.on('error', () => undefined);
  // Nothing comes back on it (no stdout or stderr attached), but it is read so that it can end.
  stream.resume();
  return stream;
}
