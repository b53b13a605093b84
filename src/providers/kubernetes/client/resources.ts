/** The Kubernetes resource types Skiff reads and writes, and the URL paths that address them. */
import { SkiffError } from '../../../core/errors.js';

export interface ResourceType {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  /** The URL name, e.g. `deployments`. */
  readonly plural: string;
  readonly namespaced: boolean;
}

const resource = (group: string, version: string, kind: string, plural: string, namespaced = true): ResourceType => ({ group, version, kind, plural, namespaced });

export const kubeResources = {
  Namespace: resource('', 'v1', 'Namespace', 'namespaces', false),
  Pod: resource('', 'v1', 'Pod', 'pods'),
  Service: resource('', 'v1', 'Service', 'services'),
  ConfigMap: resource('', 'v1', 'ConfigMap', 'configmaps'),
  Secret: resource('', 'v1', 'Secret', 'secrets'),
  Event: resource('', 'v1', 'Event', 'events'),
  ServiceAccount: resource('', 'v1', 'ServiceAccount', 'serviceaccounts'),
  PersistentVolumeClaim: resource('', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims'),
  Deployment: resource('apps', 'v1', 'Deployment', 'deployments'),
  ReplicaSet: resource('apps', 'v1', 'ReplicaSet', 'replicasets'),
  Job: resource('batch', 'v1', 'Job', 'jobs'),
  PodDisruptionBudget: resource('policy', 'v1', 'PodDisruptionBudget', 'poddisruptionbudgets'),
  EndpointSlice: resource('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices'),
  Role: resource('rbac.authorization.k8s.io', 'v1', 'Role', 'roles'),
  RoleBinding: resource('rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'rolebindings'),
  HTTPRoute: resource('gateway.networking.k8s.io', 'v1', 'HTTPRoute', 'httproutes'),
  /** metrics-server's aggregated API: read only, absent from clusters without it. */
  PodMetrics: resource('metrics.k8s.io', 'v1beta1', 'PodMetrics', 'pods'),
} as const satisfies Record<string, ResourceType>;

export type KubeKind = keyof typeof kubeResources;

/** `apps/v1`, or `v1` for the core group. */
export const apiVersionOf = (type: ResourceType): string => (type.group === '' ? type.version : `${type.group}/${type.version}`);

/** `deployments.apps`, or `pods` for the core group: how Kubernetes names a resource in messages. */
export const qualifiedName = (type: ResourceType): string => (type.group === '' ? type.plural : `${type.plural}.${type.group}`);

/** The resource type of an object, from its apiVersion and kind. */
export function resourceOfObject(object: { readonly apiVersion?: string; readonly kind?: string }): ResourceType {
  const found = Object.values(kubeResources).find((t) => t.kind === object.kind && apiVersionOf(t) === object.apiVersion);
  if (!found) {
    throw new SkiffError('SKIFF_NOT_SUPPORTED', `Skiff's Kubernetes client does not know ${object.apiVersion ?? '(no apiVersion)'} ${object.kind ?? '(no kind)'}`, {
      hint: `the kinds it knows: ${Object.values(kubeResources).map((t) => `${apiVersionOf(t)} ${t.kind}`).join(', ')}`,
    });
  }
  return found;
}

export type Subresource = 'status' | 'scale' | 'log';

/** `/apis/apps/v1/namespaces/NS/deployments/NAME/scale`; namespace is ignored for cluster-scoped types. */
export function resourcePath(type: ResourceType, target: { readonly namespace?: string; readonly name?: string; readonly subresource?: Subresource }): string {
  const base = type.group === '' ? `/api/${type.version}` : `/apis/${type.group}/${type.version}`;
  const scope = type.namespaced && target.namespace !== undefined ? `/namespaces/${encodeURIComponent(target.namespace)}` : '';
  const name = target.name !== undefined ? `/${encodeURIComponent(target.name)}` : '';
  const sub = target.name !== undefined && target.subresource ? `/${target.subresource}` : '';
  return `${base}${scope}/${type.plural}${name}${sub}`;
}
