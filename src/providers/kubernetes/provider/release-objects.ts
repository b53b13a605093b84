/**
 * The objects of one release the provider applies: its service's PersistentVolumeClaims (shared by
 * every release, never pruned with one), its env ConfigMap, its Secret (when it has secrets), its
 * Deployment and its Service (whose EndpointSlices tell Skiff's router in the cluster where the
 * release's ready pods are), built by the same manifest functions `skiff export` uses.
 */
import { SkiffError } from '../../../core/errors.js';
import type { DesiredService } from '../../../spec/desired.js';
import type { KubeObject } from '../client/index.js';
import { envConfigMap } from '../manifests/config-maps.js';
import type { ReleaseWorkload } from '../manifests/input.js';
import { releaseDeployment } from '../manifests/release-deployment.js';
import { releaseObjectName } from '../manifests/names.js';
import { releaseSecret } from '../manifests/secret.js';
import { releaseService } from '../manifests/release-service.js';
import { volumeClaims } from '../manifests/volume-claims.js';

/** The release name a desired service runs; a service with none has nothing to deploy. */
export function releaseNameOf(release: DesiredService): string {
  if (release.release === null) {
    throw new SkiffError('SKIFF_NOT_SUPPORTED', `${release.environment}/${release.name} has no release to run on Kubernetes yet`, {
      hint: `deploy it first: skiff deploy ${release.name} --env ${release.environment}`,
    });
  }
  return release.release;
}

export function deploymentNameOf(release: DesiredService): string {
  return releaseObjectName(release.name, releaseNameOf(release));
}

export interface ReleaseObjectsInput {
  readonly environment: string;
  readonly namespace: string;
  /** The release's image in the registry, by digest (`REGISTRY/SERVICE@sha256:…`). */
  readonly image: string;
  readonly release: DesiredService;
  readonly replicas: number;
  readonly secrets: Readonly<Record<string, string>>;
  /** The pods pull with the environment's Secret `skiff-registry`. */
  readonly pullSecret?: boolean;
}

/** In the order they are applied: what the Deployment's pods refer to first, the Deployment last. */
export function releaseObjects(input: ReleaseObjectsInput): KubeObject[] {
  const { environment, namespace, release } = input;
  const workload: ReleaseWorkload = {
    service: release,
    release: releaseNameOf(release),
    replicas: input.replicas,
    image: input.image,
    secrets: input.secrets,
    pullSecret: input.pullSecret === true,
  };
  const secret = releaseSecret(environment, namespace, workload);
  return [
    ...volumeClaims(environment, namespace, release),
    envConfigMap(environment, namespace, workload),
    ...(secret ? [secret] : []),
    // The Service before the Deployment: a Service Skiff cannot write leaves no pod behind.
    releaseService(environment, namespace, workload),
    releaseDeployment(environment, namespace, workload),
  ] as KubeObject[];
}
