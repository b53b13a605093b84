/**
 * What a Skiff control plane may do in the environment's namespace, and no more: it applies and
 * prunes the objects it writes (server-side apply is a patch, and a patch that creates needs
 * create), reads pods, their logs and events for `status` and `logs`, their usage (metrics.k8s.io)
 * for `top`, marks a drained pod with a deletion cost (patch pods), watches EndpointSlices for the
 * router's backends, and reaches the routers' admin ports through pods/proxy (unless it reaches
 * them at their pod IPs). It never touches RBAC, the namespace, or objects of kinds it does not
 * write.
 */
import type { IRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import type { IRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import type { KubernetesSpec } from '../../../spec/schema.js';
import { routerAccessOf } from '../../../spec/schema-kubernetes.js';
import { environmentLabels } from './labels.js';
import { controlPlaneName, routerName } from './names.js';

type PolicyRule = NonNullable<IRole['rules']>[number];

const read = ['get', 'list', 'watch'];
const manage = ['get', 'list', 'watch', 'create', 'patch', 'delete'];

/** The rules of the control plane's Role; pods/proxy only with `routerAccess: proxy`, the HTTPRoute rule only when the environment writes one. */
export function controlPlaneRules(settings: KubernetesSpec): PolicyRule[] {
  return [
    { apiGroups: ['apps'], resources: ['deployments'], verbs: manage },
    { apiGroups: ['apps'], resources: ['replicasets'], verbs: read },
    { apiGroups: [''], resources: ['pods'], verbs: [...read, 'patch'] },
    { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
    // The routers' admin ports through the API server: GET /metrics is `get`, POST /drain is `create`.
    ...(routerAccessOf(settings) === 'proxy' ? [{ apiGroups: [''], resources: ['pods/proxy'], verbs: ['get', 'create'] }] : []),
    { apiGroups: [''], resources: ['configmaps', 'services'], verbs: manage },
    // Secrets are never watched or listed with their values streamed: get what it wrote, prune by name.
    { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'create', 'patch', 'delete'] },
    // Volumes: applied with each release, deleted only by `skiff volume delete` (never pruned).
    { apiGroups: [''], resources: ['persistentvolumeclaims'], verbs: ['get', 'create', 'patch', 'delete'] },
    // `skiff run` and job runs: a Job each, read until it ends, deleted to stop it.
    { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'create', 'delete'] },
    { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: read },
    { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: read },
    { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: manage },
    // `skiff top`: the pods' usage from metrics-server, where the cluster runs it.
    { apiGroups: ['metrics.k8s.io'], resources: ['pods'], verbs: ['get', 'list'] },
    ...(settings.gateway === 'httproute' ? [{ apiGroups: ['gateway.networking.k8s.io'], resources: ['httproutes'], verbs: manage }] : []),
  ];
}

export function controlPlaneServiceAccount(environment: string, namespace: string): IServiceAccount {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: controlPlaneName, namespace, labels: environmentLabels(environment) } };
}

export function controlPlaneRole(environment: string, namespace: string, settings: KubernetesSpec): IRole {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: controlPlaneName, namespace, labels: environmentLabels(environment) },
    rules: controlPlaneRules(settings),
  };
}

export function controlPlaneRoleBinding(environment: string, namespace: string): IRoleBinding {
  return roleBinding(environment, namespace, controlPlaneName);
}

/** Binds the Role `name` to the ServiceAccount `name`. */
function roleBinding(environment: string, namespace: string, name: string): IRoleBinding {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name, namespace, labels: environmentLabels(environment) },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
    subjects: [{ kind: 'ServiceAccount', name, namespace }],
  };
}

/**
 * Skiff's router in the namespace reads its routing table (the ConfigMap) and the releases' pods
 * (EndpointSlices), and nothing else; it writes nothing.
 */
export const routerRules: PolicyRule[] = [
  { apiGroups: [''], resources: ['configmaps'], verbs: read },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: read },
];

export function routerServiceAccount(environment: string, namespace: string): IServiceAccount {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: routerName, namespace, labels: environmentLabels(environment) } };
}

export function routerRole(environment: string, namespace: string): IRole {
  return { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: routerName, namespace, labels: environmentLabels(environment) }, rules: routerRules };
}

export function routerRoleBinding(environment: string, namespace: string): IRoleBinding {
  return roleBinding(environment, namespace, routerName);
}
