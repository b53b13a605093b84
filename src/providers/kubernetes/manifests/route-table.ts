import type { RouteTable } from '../../../core/route-table.js';
import { planRouteTable, trafficKey } from '../../../reconcile/route-planner.js';
import type { ReadyInstance, ServiceTraffic } from '../../../reconcile/route-planner.js';
import type { DesiredService } from '../../../spec/desired.js';
import { containerPort } from './input.js';
import type { ReleaseWorkload } from './input.js';
import { releaseObjectName } from './names.js';
import { releaseServiceHost } from './release-service.js';

/**
 * The routing table for exported manifests: the same table the local router gets, built by the
 * same planner, with one backend per release, its Service (kube-proxy spreads the requests over
 * the release's ready pods). The provider will publish pod IPs from EndpointSlices instead, as
 * on local; until it runs, this table is the one the router keeps. Version 1 and a fixed time,
 * so exporting twice writes the same files.
 */
export function exportRouteTable(options: {
  readonly environment: string;
  readonly namespace: string;
  readonly releases: readonly ReleaseWorkload[];
  readonly weights?: ReadonlyMap<string, Readonly<Record<string, number>>>;
}): RouteTable {
  const services = new Map<string, DesiredService>();
  for (const workload of options.releases) if (!services.has(workload.service.name)) services.set(workload.service.name, workload.service);
  const ready = options.releases.map(
    (workload): ReadyInstance => ({
      id: releaseObjectName(workload.service.name, workload.release),
      environment: options.environment,
      service: workload.service.name,
      release: workload.release,
      address: { host: releaseServiceHost(options.namespace, workload), port: containerPort },
    }),
  );
  const traffic = new Map<string, ServiceTraffic>();
  for (const [service, weights] of options.weights ?? []) traffic.set(trafficKey(options.environment, service), { weights });
  return planRouteTable([{ name: options.environment, services: [...services.values()] }], ready, 1, 0, traffic);
}
