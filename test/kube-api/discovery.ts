/**
 * Discovery, derived from the resource table: /version, the legacy documents (/api, /apis,
 * /api/v1, /apis/GROUP/VERSION) and the aggregated apidiscovery.k8s.io/v2 documents kubectl
 * 1.32 asks for first.
 */
import { apiVersionOf, namedGroups, RESOURCE_TYPES, RESOURCE_VERBS, type ResourceType } from './resources.js';

export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-skiff-fake',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.23.0',
  compiler: 'gc',
  platform: 'linux/amd64',
};

export const AGGREGATED_CONTENT_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

export const wantsAggregated = (accept: string | undefined): boolean => (accept ?? '').includes('as=APIGroupDiscoveryList') && (accept ?? '').includes('v=v2;');

const typesOf = (group: string, version: string): ResourceType[] => RESOURCE_TYPES.filter((t) => t.group === group && t.version === version);

export function apiVersions(serverAddress: string): object {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

export function apiGroupList(): object {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: namedGroups().map((g) => {
      const gv = { groupVersion: apiVersionOf(g), version: g.version };
      return { name: g.group, versions: [gv], preferredVersion: gv };
    }),
  };
}

/** The APIResourceList of one group version, or undefined when the fake does not serve it. */
export function apiResourceList(group: string, version: string): object | undefined {
  const types = typesOf(group, version);
  if (types.length === 0) return undefined;
  const resources = types.flatMap((t) => [
    {
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: RESOURCE_VERBS,
      ...(t.shortNames.length > 0 ? { shortNames: t.shortNames } : {}),
      ...(t.categories.length > 0 ? { categories: t.categories } : {}),
    },
    ...t.subresources.map((s) => ({
      name: `${t.plural}/${s.name}`,
      singularName: '',
      namespaced: t.namespaced,
      ...(s.group !== t.group ? { group: s.group, version: s.version } : {}),
      kind: s.kind,
      verbs: s.verbs,
    })),
  ]);
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf({ group, version }), resources };
}

function discoveryVersion(group: string, version: string): object {
  return {
    version,
    freshness: 'Current',
    resources: typesOf(group, version).map((t) => ({
      resource: t.plural,
      responseKind: { group: t.group, version: t.version, kind: t.kind },
      scope: t.namespaced ? 'Namespaced' : 'Cluster',
      singularResource: t.singular,
      verbs: RESOURCE_VERBS,
      ...(t.shortNames.length > 0 ? { shortNames: t.shortNames } : {}),
      ...(t.categories.length > 0 ? { categories: t.categories } : {}),
      ...(t.subresources.length > 0
        ? { subresources: t.subresources.map((s) => ({ subresource: s.name, responseKind: { group: s.group, version: s.version, kind: s.kind }, verbs: s.verbs })) }
        : {}),
    })),
  };
}

/** apidiscovery.k8s.io/v2 for /api (`legacy`) or /apis. */
export function aggregatedDiscovery(legacy: boolean): object {
  const groups = legacy ? [{ group: '', version: 'v1' }] : namedGroups();
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items: groups.map((g) => ({ metadata: g.group === '' ? {} : { name: g.group }, versions: [discoveryVersion(g.group, g.version)] })),
  };
}
