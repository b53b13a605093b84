/**
 * Desired state of one environment: every service with its current release, resolved with the
 * environment's overrides. Pure: the spec module imports no runtime module.
 */
import path from 'node:path';
import type { Release, ReleaseContent } from './release.js';
import { releaseName } from './release.js';
import { defaultParallel } from './schema-parallel.js';
import type { ParallelSpec } from './schema-parallel.js';
import { defaultFunctionMemory, functionSettings } from './schema-function.js';
import { defaultStrategy } from './schema-strategy.js';
import type { ReleaseCommandSpec } from './schema-release.js';
import { previewHost } from './schema-preview.js';
import { volumeMounts } from './schema-volumes.js';
import type { AnalysisSpec, AutoscaleSpec, Balance, DriverKind, FunctionSettings, ImageSpec, Probe, Resources, RouteSpec, Spec, StrategySpec, TracingSpec, VolumeMount } from './schema.js';

/** Where a docker service running from its source directory builds its image before each start. */
export interface ImageBuildSource {
  /** Absolute directory sent to the engine as the build context. */
  readonly context: string;
  /** The Dockerfile's path inside the context. */
  readonly dockerfile: string;
}

export interface DesiredService {
  readonly name: string;
  readonly environment: string;
  /** `v3`; null when nothing is deployed (then `instances` is 0). */
  readonly release: string | null;
  readonly artifact: string | null;
  /** The source directory when the release has no artifact. */
  readonly directory: string | null;
  readonly driver: DriverKind;
  readonly command: readonly string[];
  /** The release's image (docker services): an image id, or a `name:tag` resolved at start. */
  readonly image: string | null;
  /** Set when a docker service runs from source: its Dockerfile is built before each start. */
  readonly imageBuild: ImageBuildSource | null;
  readonly env: Readonly<Record<string, string>>;
  /** Secret versions by name: the values are decrypted only when an instance starts. */
  readonly secrets: Readonly<Record<string, number>>;
  /** The count to run; with autoscale, the count to start from (the autoscaler decides after). */
  readonly instances: number;
  /** Autoscaling in this environment, or null for a fixed count. */
  readonly autoscale: AutoscaleSpec | null;
  readonly readiness: Probe | undefined;
  readonly liveness: Probe | undefined;
  readonly resources: Resources;
  readonly routes: readonly RouteSpec[];
  readonly balance: Balance;
  readonly stopGraceMs: number;
  /** Identifies what an instance runs: a change means new instances. */
  readonly configHash: string;
  /** How a new release replaces the running one. */
  readonly strategy: StrategySpec;
  /** How a parallel run mirrors and compares (the spec's, or the defaults). */
  readonly parallel: ParallelSpec;
  /** What the function runtime loads (function services); null for other services. */
  readonly function: FunctionSettings | null;
  /** Run once per new release before any of its instances gets traffic; null when the service has none. */
  readonly releaseCommand: ReleaseCommandSpec | null;
  /** The release's volumes (none for a function or a release made before volumes). */
  readonly volumes: readonly VolumeMount[];
}

export interface DesiredEnvironment {
  readonly name: string;
  readonly services: readonly DesiredService[];
  /** The spec's analyses by name, for canary steps (absent: none defined). */
  readonly analyses?: Readonly<Record<string, AnalysisSpec>>;
  /** Where its router exports spans: the environment's `tracing`, else the spec's; absent: no tracing. */
  readonly tracing?: TracingSpec;
}

/**
 * What a new release of `service` in `environment` carries from the spec: its config, and the
 * source directory (used when there is no artifact). `baseDir` is the spec file's directory.
 */
export function serviceConfig(
  spec: Spec,
  environment: string,
  service: string,
  baseDir: string,
  secrets: Readonly<Record<string, number>> = {},
): Omit<ReleaseContent, 'artifact'> {
  const serviceSpec = spec.services[service];
  if (!serviceSpec) throw new Error(`unknown service ${service}`);
  const override = spec.environments[environment]?.services[service] ?? {};
  // Revisions saved before functions existed have no `kind`.
  const fn = functionSettings({ ...serviceSpec, kind: serviceSpec.kind ?? 'service' });
  if (fn) {
    const memory = serviceSpec.memory ?? serviceSpec.resources.memory ?? defaultFunctionMemory;
    return {
      sourceDirectory: path.resolve(baseDir, serviceSpec.path),
      driver: 'function',
      command: [],
      env: { ...serviceSpec.env, ...(override.env ?? {}) },
      secrets,
      resources: { ...serviceSpec.resources, memory, ...(override.resources ?? {}) },
      image: null,
      function: fn,
    };
  }
  // Revisions saved before volumes existed have no `volumes`.
  const volumes = volumeMounts(serviceSpec.volumes);
  return {
    sourceDirectory: path.resolve(baseDir, serviceSpec.path),
    driver: serviceSpec.driver,
    command: serviceSpec.start,
    env: { ...serviceSpec.env, ...(override.env ?? {}) },
    secrets,
    resources: { ...serviceSpec.resources, ...(override.resources ?? {}) },
    image: serviceSpec.driver === 'docker' && serviceSpec.image && 'ref' in serviceSpec.image ? serviceSpec.image.ref : null,
    ...(volumes.length > 0 ? { volumes } : {}),
  };
}

/** The Dockerfile build of a docker service running from `sourceDirectory`; null for other services. */
export function imageBuildSource(image: ImageSpec | undefined, sourceDirectory: string): ImageBuildSource | null {
  if (!image || !('dockerfile' in image)) return null;
  const context = path.resolve(sourceDirectory, image.context);
  return { context, dockerfile: path.relative(context, path.resolve(sourceDirectory, image.dockerfile)) };
}

/**
 * The autoscaling of a service in an environment: the environment's `autoscale`, or the
 * service's unless the environment fixes `instances`.
 */
export function desiredAutoscale(spec: Spec, environment: string, service: string): AutoscaleSpec | null {
  const override = spec.environments[environment]?.services[service];
  if (override?.instances !== undefined) return null;
  return override?.autoscale ?? spec.services[service]?.autoscale ?? null;
}

/** The instance count the spec asks for in an environment (with autoscale: min, but at least one to start). */
export function desiredInstances(spec: Spec, environment: string, service: string): number {
  const serviceSpec = spec.services[service];
  if (!serviceSpec) return 0;
  const autoscale = desiredAutoscale(spec, environment, service);
  if (autoscale) return Math.max(autoscale.min, 1);
  return spec.environments[environment]?.services[service]?.instances ?? serviceSpec.instances ?? 1;
}

/** A preview serves its source's routes on its own router; a route for a host gets `NAME.preview.<host>`. */
function previewRoutes(preview: string, routes: readonly RouteSpec[]): readonly RouteSpec[] {
  return routes.map((route) => (route.host === undefined ? route : { ...route, host: previewHost(preview, route.host) }));
}

/** Resolves one environment: services without a release in `releases` get no instances. */
export function resolveEnvironment(
  spec: Spec,
  environment: string,
  releases: Readonly<Record<string, Release | undefined>>,
): DesiredEnvironment {
  if (!Object.hasOwn(spec.environments, environment)) throw new Error(`unknown environment ${environment}`);
  const services = Object.entries(spec.services)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, service]): DesiredService => {
      const release = releases[name];
      return {
        name,
        environment,
        release: release ? releaseName(release) : null,
        artifact: release?.artifact ?? null,
        directory: release?.sourceDirectory ?? null,
        driver: release?.driver ?? service.driver,
        command: release?.command ?? service.start,
        image: release?.image ?? null,
        imageBuild:
          release && release.driver === 'docker' && !release.image && release.sourceDirectory
            ? imageBuildSource(service.image, release.sourceDirectory)
            : null,
        env: release?.env ?? {},
        secrets: release?.secrets ?? {},
        instances: release ? desiredInstances(spec, environment, name) : 0,
        autoscale: desiredAutoscale(spec, environment, name),
        readiness: service.readiness,
        liveness: service.liveness,
        resources: release?.resources ?? {},
        routes: spec.environments[environment]?.preview ? previewRoutes(environment, service.routes) : service.routes,
        balance: service.balance,
        stopGraceMs: service.stopGrace,
        configHash: release?.configHash ?? 'none',
        // Revisions saved before strategies and parallel runs existed have neither key.
        strategy: service.strategy ?? defaultStrategy,
        parallel: service.parallel ?? defaultParallel,
        function: release?.function ?? null,
        // Revisions saved before release commands existed have no `release`.
        releaseCommand: service.release ?? null,
        volumes: release?.volumes ?? [],
      };
    });
  const tracing = spec.environments[environment]?.tracing ?? spec.tracing;
  return { name: environment, services, analyses: spec.analyses ?? {}, ...(tracing ? { tracing } : {}) };
}
