/** The drivers by kind. Adding a DriverKind to the spec is a compile error here until it is wired. */
import type { DriverKind } from '../spec/schema.js';
import type { Driver, DriverFactory } from './driver.js';
import { createDockerDriver } from './docker/docker-driver.js';
import { createFunctionDriver } from './function/function-driver.js';
import { createProcessDriver } from './process/process-driver.js';
import { volumeScope } from './volumes.js';

export const driverFactories = {
  process: createProcessDriver,
  docker: (options) =>
    createDockerDriver({ volumeScope: volumeScope(options.dataDir), ...(options.dockerHost !== undefined ? { dockerHost: options.dockerHost } : {}) }),
  function: (options) =>
    createFunctionDriver({
      dataDir: options.dataDir,
      baseEnv: options.baseEnv,
      ...(options.functionWarmPool !== undefined ? { warmPool: options.functionWarmPool } : {}),
    }),
} satisfies Record<DriverKind, DriverFactory>;

export type Drivers = Readonly<Record<DriverKind, Driver>>;

export interface CreateDriversOptions {
  readonly dataDir: string;
  readonly baseEnv: Readonly<Record<string, string>>;
  /** The Docker engine's address as in DOCKER_HOST, for the docker driver. */
  readonly dockerHost?: string;
  /** How many function runtimes to keep started (default 2). */
  readonly functionWarmPool?: number;
  /** Drivers to use instead of the real ones for some kinds, e.g. the fake driver in tests. */
  readonly overrides?: Partial<Drivers>;
}

export function createDrivers(options: CreateDriversOptions): Drivers {
  const drivers = {} as Record<DriverKind, Driver>;
  for (const kind of Object.keys(driverFactories) as DriverKind[]) {
    drivers[kind] = options.overrides?.[kind] ?? driverFactories[kind]({
        dataDir: options.dataDir,
        baseEnv: options.baseEnv,
        ...(options.dockerHost !== undefined ? { dockerHost: options.dockerHost } : {}),
        ...(options.functionWarmPool !== undefined ? { functionWarmPool: options.functionWarmPool } : {}),
      });
  }
  return drivers;
}
