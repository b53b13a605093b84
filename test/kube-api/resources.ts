/**
 * The resource types the fake serves: one table from which discovery, OpenAPI, routing and
 * Table printing are all derived, so they cannot disagree.
 */

export interface SubresourceInfo {
  readonly name: 'status' | 'scale' | 'log' | 'proxy';
  readonly kind: string;
  readonly group: string;
  readonly version: string;
  readonly verbs: readonly string[];
}

export interface ResourceType {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly subresources: readonly SubresourceInfo[];
  /** Whether a write to the main resource ignores `status` (only /status writes it). */
  readonly hasStatusSubresource: boolean;
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] as const;

function type(group: string, version: string, kind: string, plural: string, extra: Partial<ResourceType> = {}): ResourceType {
  const subresources = extra.subresources ?? [];
  return {
    group,
    version,
    kind,
    plural,
    singular: kind.toLowerCase(),
    namespaced: true,
    shortNames: [],
    categories: [],
    hasStatusSubresource: subresources.some((s) => s.name === 'status'),
    ...extra,
    subresources,
  };
}

const status = (group: string, version: string, kind: string): SubresourceInfo => ({ name: 'status', group, version, kind, verbs: ['get', 'patch', 'update'] });

export const RESOURCE_TYPES: readonly ResourceType[] = [
  type('', 'v1', 'Namespace', 'namespaces', { namespaced: false, shortNames: ['ns'], subresources: [status('', 'v1', 'Namespace')] }),
  type('', 'v1', 'Pod', 'pods', {
    shortNames: ['po'],
    categories: ['all'],
    subresources: [
      status('', 'v1', 'Pod'),
      { name: 'log', group: '', version: 'v1', kind: 'Pod', verbs: ['get'] },
      { name: 'proxy', group: '', version: 'v1', kind: 'PodProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] },
    ],
  }),
  type('', 'v1', 'Service', 'services', { shortNames: ['svc'], categories: ['all'], subresources: [status('', 'v1', 'Service')] }),
  type('', 'v1', 'ConfigMap', 'configmaps', { shortNames: ['cm'] }),
  type('', 'v1', 'Secret', 'secrets'),
  type('', 'v1', 'Event', 'events', { shortNames: ['ev'] }),
  type('', 'v1', 'ServiceAccount', 'serviceaccounts', { shortNames: ['sa'] }),
  type('', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', { shortNames: ['pvc'], subresources: [status('', 'v1', 'PersistentVolumeClaim')] }),
  type('apps', 'v1', 'Deployment', 'deployments', {
    shortNames: ['deploy'],
    categories: ['all'],
    subresources: [status('apps', 'v1', 'Deployment'), { name: 'scale', group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] }],
  }),
  type('apps', 'v1', 'ReplicaSet', 'replicasets', {
    shortNames: ['rs'],
    categories: ['all'],
    subresources: [status('apps', 'v1', 'ReplicaSet'), { name: 'scale', group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] }],
  }),
  type('batch', 'v1', 'Job', 'jobs', { categories: ['all'], subresources: [status('batch', 'v1', 'Job')] }),
  type('batch', 'v1', 'CronJob', 'cronjobs', { shortNames: ['cj'], categories: ['all'], subresources: [status('batch', 'v1', 'CronJob')] }),
  type('policy', 'v1', 'PodDisruptionBudget', 'poddisruptionbudgets', { shortNames: ['pdb'], subresources: [status('policy', 'v1', 'PodDisruptionBudget')] }),
  type('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices'),
  type('rbac.authorization.k8s.io', 'v1', 'Role', 'roles'),
  type('rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'rolebindings'),
  type('gateway.networking.k8s.io', 'v1', 'HTTPRoute', 'httproutes', { categories: ['gateway-api'], subresources: [status('gateway.networking.k8s.io', 'v1', 'HTTPRoute')] }),
];

export const RESOURCE_VERBS: readonly string[] = ALL_VERBS;

/** `apps/v1`, or `v1` for the core group. */
export function apiVersionOf(t: { readonly group: string; readonly version: string }): string {
  return t.group === '' ? t.version : `${t.group}/${t.version}`;
}

export function findType(group: string, version: string, plural: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => t.group === group && t.version === version && t.plural === plural);
}

export function typeOfKind(kind: string): ResourceType {
  const found = RESOURCE_TYPES.find((t) => t.kind === kind);
  if (!found) throw new Error(`the fake does not serve kind ${kind}`);
  return found;
}

/** The groups in the order discovery lists them (the core group is served under /api). */
export function namedGroups(): readonly { readonly group: string; readonly version: string }[] {
  const seen = new Map<string, string>();
  for (const t of RESOURCE_TYPES) if (t.group !== '' && !seen.has(t.group)) seen.set(t.group, t.version);
  return [...seen].map(([group, version]) => ({ group, version }));
}
