/** Builds the routing table from desired routes and the ready instances: pure. */
import type { InstanceAddress } from '../core/instance.js';
import type { ReleaseMatch, RouteBackend, RouteEntry, RouteMirror, RouteTable } from '../core/route-table.js';
import type { DesiredEnvironment } from '../spec/desired.js';
import type { RouteSpec } from '../spec/schema.js';
import { otlpTracesUrl } from '../spec/schema-tracing.js';

/** The route's optional resilience settings in the routing table's terms; absent keys stay absent (router defaults). */
function resilience(route: RouteSpec): Partial<RouteEntry> {
  const out: { -readonly [K in keyof RouteEntry]?: RouteEntry[K] } = {};
  if (route.timeouts) {
    const { connect, firstByte, idle, total } = route.timeouts;
    out.timeouts = {
      ...(connect === undefined ? {} : { connectMs: connect }),
      ...(firstByte === undefined ? {} : { firstByteMs: firstByte }),
      ...(idle === undefined ? {} : { idleMs: idle }),
      ...(total === undefined ? {} : { totalMs: total }),
    };
  }
  if (route.retryBudget) out.retryBudget = route.retryBudget;
  if (route.circuitBreaker) {
    const { consecutiveFailures, ejection, maxConcurrent } = route.circuitBreaker;
    out.circuitBreaker = {
      ...(consecutiveFailures === undefined ? {} : { consecutiveFailures }),
      ...(ejection === undefined ? {} : { ejectionMs: ejection }),
      ...(maxConcurrent === undefined ? {} : { maxConcurrent }),
    };
  }
  if (route.rateLimit) out.rateLimit = route.rateLimit;
  if (route.hold) {
    const { timeout, maxPending } = route.hold;
    out.hold = { ...(timeout === undefined ? {} : { timeoutMs: timeout }), ...(maxPending === undefined ? {} : { maxPending }) };
  }
  if (route.maxBodySize !== undefined) out.maxBodyBytes = route.maxBodySize;
  return out;
}

/** A ready instance, named by the release it counts for in a rollout or a parallel run. */
export interface ReadyInstance {
  readonly id: string;
  readonly environment: string;
  readonly service: string;
  readonly release: string;
  readonly address: InstanceAddress;
}

/** How a service's requests are split between releases during a rollout or a parallel run. */
export interface ServiceTraffic {
  /** Percent per release name, summing to 100; absent: every ready instance alike. */
  readonly weights?: Readonly<Record<string, number>>;
  readonly releaseMatches?: readonly ReleaseMatch[];
  readonly mirror?: RouteMirror;
}

/** The key of a service in the `traffic` map of `planRouteTable`. */
export function trafficKey(environment: string, service: string): string {
  return `${environment}/${service}`;
}

export function planRouteTable(
  environments: readonly DesiredEnvironment[],
  ready: readonly ReadyInstance[],
  version: number,
  now: number,
  traffic: ReadonlyMap<string, ServiceTraffic> = new Map(),
): RouteTable {
  const backendsByService = new Map<string, RouteBackend[]>();
  for (const instance of ready) {
    const key = `${instance.environment}/${instance.service}`;
    const list = backendsByService.get(key) ?? [];
    list.push({ id: instance.id, release: instance.release, host: instance.address.host, port: instance.address.port });
    backendsByService.set(key, list);
  }
  const routes: RouteEntry[] = [];
  for (const environment of environments) {
    // A service with nothing deployed has no route: requests get a plain 404 instead of waiting.
    for (const service of environment.services.filter((candidate) => candidate.release !== null)) {
      const backends = (backendsByService.get(`${environment.name}/${service.name}`) ?? []).sort((a, b) =>
        a.id.localeCompare(b.id),
      );
      const split = traffic.get(trafficKey(environment.name, service.name));
      service.routes.forEach((route, index) => {
        routes.push({
          id: `${environment.name}/${service.name}/${index}`,
          environment: environment.name,
          service: service.name,
          ...(route.host ? { host: route.host.toLowerCase() } : {}),
          pathPrefix: route.path,
          stripPrefix: route.stripPrefix,
          retryMethods: route.retryMethods,
          balance: service.balance,
          backends,
          ...resilience(route),
          ...(route.redirectHttps === true ? { redirectHttps: true } : {}),
          ...(route.hsts ? { hsts: { maxAgeSeconds: Math.floor(route.hsts.maxAge / 1000), includeSubDomains: route.hsts.includeSubDomains } } : {}),
          ...(service.autoscale?.min === 0 ? { wake: true } : {}),
          ...(split?.weights ? { weights: split.weights } : {}),
          ...(split?.releaseMatches && split.releaseMatches.length > 0 ? { releaseMatches: split.releaseMatches } : {}),
          ...(split?.mirror ? { mirror: split.mirror } : {}),
        });
      });
    }
  }
  // One router serves one environment, so its table carries that environment's tracing.
  const tracing = environments.length === 1 ? environments[0]?.tracing : undefined;
  return {
    version,
    generatedAt: new Date(now).toISOString(),
    routes,
    ...(tracing ? { tracing: { otlpUrl: otlpTracesUrl(tracing.otlp), samplePercent: tracing.sample } } : {}),
  };
}
