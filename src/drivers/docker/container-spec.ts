/**
 * What the docker driver asks the engine for, as plain data: the container create options for one
 * instance, the labels that mark it as Skiff's, and the meaning of the engine's exit status.
 */
import { constants } from 'node:os';
import type Docker from 'dockerode';
import type { InstanceExit, InstanceLaunch, VolumeRef } from '../driver.js';
import { dockerVolumeName, volumeEnv } from '../volumes.js';
import type { ContainerHostAccess } from './router-access.js';

export const skiffLabels = {
  managed: 'skiff.managed',
  instance: 'skiff.instance',
  service: 'skiff.service',
  environment: 'skiff.environment',
  release: 'skiff.release',
  volume: 'skiff.volume',
  volumeScope: 'skiff.volume-scope',
} as const;

export function containerName(instanceId: string): string {
  return `skiff-${instanceId}`;
}

export function instanceLabels(launch: InstanceLaunch): Record<string, string> {
  return {
    [skiffLabels.managed]: 'true',
    [skiffLabels.instance]: launch.instanceId,
    [skiffLabels.service]: launch.service,
    [skiffLabels.environment]: launch.environment,
    [skiffLabels.release]: launch.release,
  };
}

/** Whether a container's labels say Skiff started it as this instance: the only containers Skiff touches. */
export function isSkiffContainer(labels: Readonly<Record<string, string>> | undefined, instanceId: string): boolean {
  return labels?.[skiffLabels.managed] === 'true' && labels[skiffLabels.instance] === instanceId;
}

/**
 * The create options. The instance listens on PORT inside the container and the engine publishes
 * that same port on 127.0.0.1 of the host, so the router, the health checks and the instance
 * agree on one port number. Limits go to the engine, which enforces them with cgroups; swap is
 * capped at the memory limit so the limit is the memory the instance gets. The engine's init is
 * PID 1 (node as PID 1 ignores SIGTERM), and there is no restart policy: Skiff restarts.
 */
export function containerCreateOptions(
  launch: InstanceLaunch,
  image: string,
  host: ContainerHostAccess | null = null,
  volumeScope = 'default',
): Docker.ContainerCreateOptions {
  const port = `${launch.port}/tcp`;
  const volumes = launch.volumes ?? [];
  const env = {
    ...launch.env,
    ...volumeEnv(volumes, (volume) => volume.path),
    PORT: String(launch.port),
    ...host?.env,
  };
  const { memory, cpu, pids } = launch.resources;
  return {
    name: containerName(launch.instanceId),
    Image: image,
    ...(launch.command.length > 0 ? { Cmd: [...launch.command] } : {}),
    // A one-off command's input: the engine closes it when the one attached client ends its side.
    ...(launch.stdin ? { OpenStdin: true, StdinOnce: true, AttachStdin: true } : {}),
    Env: Object.entries(env).map(([name, value]) => `${name}=${value}`),
    Labels: instanceLabels(launch),
    ExposedPorts: { [port]: {} },
    HostConfig: {
      Init: true,
      RestartPolicy: { Name: 'no' },
      PortBindings: { [port]: [{ HostIp: '127.0.0.1', HostPort: String(launch.port) }] },
      ...(host ? { ExtraHosts: [host.extraHost] } : {}),
      ...(memory !== undefined ? { Memory: memory, MemorySwap: memory } : {}),
      ...(cpu !== undefined ? { NanoCpus: Math.round(cpu * 1e9) } : {}),
      ...(pids !== undefined ? { PidsLimit: pids } : {}),
      ...(volumes.length > 0
        ? { Mounts: volumes.map((volume) => ({ Type: 'volume' as const, Source: dockerVolumeName(volumeScope, volumeRef(launch, volume.name)), Target: volume.path })) }
        : {}),
      // Skiff copies the output to its own log file; the engine keeps only a bounded copy.
      LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '2' } },
    },
  };
}

export function volumeRef(launch: Pick<InstanceLaunch, 'environment' | 'service'>, name: string): VolumeRef {
  return { environment: launch.environment, service: launch.service, name };
}

/** The labels of a Docker volume Skiff created: found and cleaned by them, never another's. */
export function volumeLabels(scope: string, ref: VolumeRef): Record<string, string> {
  return {
    [skiffLabels.managed]: 'true',
    [skiffLabels.volumeScope]: scope,
    [skiffLabels.environment]: ref.environment,
    [skiffLabels.service]: ref.service,
    [skiffLabels.volume]: ref.name,
  };
}

const signalNames = new Map<number, string>(
  Object.entries(constants.signals).map(([name, number]) => [number, name] as const),
);

/**
 * The engine reports a container ended by a signal as 128 + the signal number (the init passes
 * its child's status on the same way); that is turned back into a signal, like a process's exit.
 */
export function exitFromStatus(statusCode: number | null, oomKilled: boolean): InstanceExit {
  if (statusCode !== null && statusCode > 128) {
    const signal = signalNames.get(statusCode - 128);
    if (signal !== undefined) return { exitCode: null, signal, oomKilled };
  }
  return { exitCode: statusCode, signal: null, oomKilled };
}
