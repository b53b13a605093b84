/**
 * Gateway API HTTPRoutes (`gateway: httproute`), for clusters that already run a gateway: one per
 * route of a service, splitting its traffic between the releases' Services by weight. They
 * attach to the Gateway named `skiff` in the environment's namespace. Weights are all this
 * route carries: header and cookie matches, mirroring, retries and holds need Skiff's router.
 */
import type { IHTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import type { RouteSpec } from '../../../spec/schema.js';
import { containerPort } from './input.js';
import type { ReleaseWorkload } from './input.js';
import { environmentLabels } from './labels.js';
import { dnsLabel, releaseObjectName } from './names.js';

export const gatewayName = 'skiff';

type Rule = NonNullable<NonNullable<IHTTPRoute['spec']>['rules']>[number];

/** Every release of the service with its weight; the one release of a service that is not split takes all. */
function backendRefs(releases: readonly ReleaseWorkload[], weights: Readonly<Record<string, number>> | undefined): NonNullable<Rule['backendRefs']> {
  return releases.map((workload) => ({
    group: '',
    kind: 'Service',
    name: releaseObjectName(workload.service.name, workload.release),
    port: containerPort,
    weight: weights ? Math.round(weights[workload.release] ?? 0) : releases.length === 1 ? 1 : 0,
  }));
}

export function httpRoute(options: {
  readonly environment: string;
  readonly namespace: string;
  readonly service: string;
  readonly index: number;
  readonly route: RouteSpec;
  readonly releases: readonly ReleaseWorkload[];
  readonly weights: Readonly<Record<string, number>> | undefined;
}): IHTTPRoute {
  const { route } = options;
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: {
      name: dnsLabel(options.service, 'route', String(options.index)),
      namespace: options.namespace,
      labels: { 'app.kubernetes.io/name': options.service, ...environmentLabels(options.environment) },
    },
    spec: {
      parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: gatewayName }],
      ...(route.host ? { hostnames: [route.host.toLowerCase()] } : {}),
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: route.path } }],
          ...(route.stripPrefix && route.path !== '/'
            ? { filters: [{ type: 'URLRewrite' as const, urlRewrite: { path: { type: 'ReplacePrefixMatch' as const, replacePrefixMatch: '/' } } }] }
            : {}),
          backendRefs: backendRefs(options.releases, options.weights),
        },
      ],
    },
  };
}
