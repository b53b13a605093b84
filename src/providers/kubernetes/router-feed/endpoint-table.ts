/**
 * The routing table a router in the cluster serves: the control plane's table (routes, weights,
 * matches, mirroring, resilience) with each release's backends taken from the EndpointSlices of
 * the release's Service, so the router follows pods on its own (a pod the ReplicaSet replaced
 * gets traffic once ready, a terminating one none) even while the control plane is away.
 *
 * One exception keeps "drain, router first" working: a pod the control plane has listed in an
 * earlier table and left out of the current one is being taken out of service by it, so it gets
 * no new requests while its endpoint is still ready.
 */
import type { RouteBackend, RouteEntry, RouteTable } from '../../../core/route-table.js';
import { releaseObjectName } from '../manifests/names.js';

/** The fields of a discovery.k8s.io/v1 EndpointSlice the router reads. */
export interface EndpointSlice {
  readonly metadata: { readonly name: string; readonly labels?: Readonly<Record<string, string>> };
  readonly addressType?: string;
  readonly endpoints?: readonly SliceEndpoint[] | null;
  readonly ports?: readonly { readonly name?: string; readonly port?: number }[] | null;
}

interface SliceEndpoint {
  readonly addresses: readonly string[];
  readonly conditions?: { readonly ready?: boolean | null; readonly serving?: boolean | null; readonly terminating?: boolean | null };
  readonly targetRef?: { readonly kind?: string; readonly name?: string };
}

export const serviceNameLabel = 'kubernetes.io/service-name';
/** The release Service's port (manifests/release-service.ts names it so). */
const portName = 'http';

/** Ready, not terminating endpoints per Service name (one Service may have several slices). */
export function readyEndpoints(slices: readonly EndpointSlice[]): Map<string, { readonly id: string; readonly host: string; readonly port: number }[]> {
  const byService = new Map<string, { id: string; host: string; port: number }[]>();
  for (const slice of slices) {
    const service = slice.metadata.labels?.[serviceNameLabel];
    if (!service || (slice.addressType !== undefined && slice.addressType !== 'IPv4')) continue;
    const ports = slice.ports ?? [];
    const port = (ports.find((p) => p.name === portName) ?? ports[0])?.port;
    if (port === undefined) continue;
    const list = byService.get(service) ?? [];
    for (const endpoint of slice.endpoints ?? []) {
      // `ready` unset means ready (discovery.k8s.io/v1); a terminating endpoint is never ready.
      if (endpoint.conditions?.ready === false || endpoint.conditions?.terminating === true) continue;
      const host = endpoint.addresses[0];
      if (host === undefined) continue;
      list.push({ id: endpoint.targetRef?.name ?? `${host}:${port}`, host, port });
    }
    byService.set(service, list);
  }
  return byService;
}

function routeReleases(route: RouteEntry): Set<string> {
  const releases = new Set(route.backends.map((backend) => backend.release));
  for (const release of Object.keys(route.weights ?? {})) releases.add(release);
  for (const match of route.releaseMatches ?? []) releases.add(match.release);
  if (route.mirror) releases.add(route.mirror.candidateRelease);
  return releases;
}

/** Remembers the pods the control plane has listed, to tell one it withdrew from one it has not seen yet. */
export class EndpointTable {
  private readonly listed = new Set<string>();

  /** `table` with every release's backends replaced by its Service's ready endpoints, minus the pods the table withdrew. */
  merge(table: RouteTable, slices: readonly EndpointSlice[]): RouteTable {
    const current = new Set<string>();
    for (const route of table.routes) for (const backend of route.backends) current.add(backend.id);
    for (const id of current) this.listed.add(id);
    const endpoints = readyEndpoints(slices);
    const routes = table.routes.map((route): RouteEntry => {
      const backends: RouteBackend[] = [];
      for (const release of routeReleases(route)) {
        for (const endpoint of endpoints.get(releaseObjectName(route.service, release)) ?? []) {
          if (this.listed.has(endpoint.id) && !current.has(endpoint.id)) continue;
          backends.push({ id: endpoint.id, release, host: endpoint.host, port: endpoint.port });
        }
      }
      return { ...route, backends };
    });
    this.forgetGone(slices, current);
    return { ...table, routes };
  }

  /** A pod in no slice any more will not come back (a new pod has a new name): forget it. */
  private forgetGone(slices: readonly EndpointSlice[], current: ReadonlySet<string>): void {
    const present = new Set(current);
    for (const slice of slices) for (const endpoint of slice.endpoints ?? []) if (endpoint.targetRef?.name) present.add(endpoint.targetRef.name);
    for (const id of this.listed) if (!present.has(id)) this.listed.delete(id);
  }
}
