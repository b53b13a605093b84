/**
 * Which of Skiff's objects in an environment's namespace are no longer needed: the Deployments of
 * releases no longer desired once none of their pods is wanted, their Secrets and Services, and env ConfigMaps
 * no Deployment left refers to. Pure: the caller lists (by Skiff's labels only) and deletes.
 */
import type { KubeObject } from '../client/index.js';
import { releaseLabel, serviceLabel } from './pod-instance.js';

type Deployment = KubeObject & {
  readonly spec?: { readonly replicas?: number; readonly template?: { readonly spec?: { readonly containers?: readonly { readonly envFrom?: readonly { readonly configMapRef?: { readonly name?: string } }[] }[] } } };
};

export interface PruneInput {
  readonly deployments: readonly Deployment[];
  readonly secrets: readonly KubeObject[];
  readonly services: readonly KubeObject[];
  readonly configMaps: readonly KubeObject[];
  /** Pods of the environment (any state): a Deployment with a pod left is not pruned yet. */
  readonly pods: readonly KubeObject[];
  /** Deployments of the releases the desired state runs: never pruned, even at 0 replicas. */
  readonly wanted: ReadonlySet<string>;
  /** Services with a write under way (a place, a stop): nothing of theirs is pruned now. */
  readonly busyServices: ReadonlySet<string>;
  /** Objects Skiff keeps for the environment itself (the routing table), never pruned here. */
  readonly keep: ReadonlySet<string>;
}

export interface PrunePlan {
  readonly deployments: readonly string[];
  readonly secrets: readonly string[];
  readonly services: readonly string[];
  readonly configMaps: readonly string[];
}

const label = (object: KubeObject, key: string): string | undefined => object.metadata.labels?.[key];
const releaseKey = (object: KubeObject): string => `${label(object, serviceLabel) ?? ''}/${label(object, releaseLabel) ?? ''}`;

function configMapsUsed(deployment: Deployment): string[] {
  return (deployment.spec?.template?.spec?.containers ?? []).flatMap((container) => (container.envFrom ?? []).flatMap((source) => (source.configMapRef?.name ? [source.configMapRef.name] : [])));
}

export function planPrune(input: PruneInput): PrunePlan {
  const podsOf = new Set(input.pods.map(releaseKey));
  const busy = (object: KubeObject): boolean => input.busyServices.has(label(object, serviceLabel) ?? '');
  const gone = input.deployments.filter(
    (deployment) =>
      label(deployment, releaseLabel) !== undefined &&
      !input.wanted.has(deployment.metadata.name) &&
      (deployment.spec?.replicas ?? 0) === 0 &&
      !podsOf.has(releaseKey(deployment)) &&
      !busy(deployment),
  );
  const goneNames = new Set(gone.map((deployment) => deployment.metadata.name));
  const left = input.deployments.filter((deployment) => !goneNames.has(deployment.metadata.name));
  const releasesLeft = new Set(left.map(releaseKey));
  const used = new Set(left.flatMap(configMapsUsed));
  const prunable = (object: KubeObject): boolean => !input.keep.has(object.metadata.name) && !busy(object) && label(object, serviceLabel) !== undefined;
  // A release's Secret and Service go with its Deployment (or when its Deployment is already gone).
  const ofReleasesGone = (objects: readonly KubeObject[]): string[] =>
    objects.filter((object) => prunable(object) && label(object, releaseLabel) !== undefined && !releasesLeft.has(releaseKey(object))).map((object) => object.metadata.name);
  return {
    deployments: gone.map((deployment) => deployment.metadata.name),
    secrets: ofReleasesGone(input.secrets),
    services: ofReleasesGone(input.services),
    // Env ConfigMaps are shared by releases with the same variables: one goes when no Deployment left uses it.
    configMaps: input.configMaps.filter((configMap) => prunable(configMap) && !used.has(configMap.metadata.name)).map((configMap) => configMap.metadata.name),
  };
}
