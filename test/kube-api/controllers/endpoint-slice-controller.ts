/**
 * The EndpointSlice controller: one slice per Service with a selector, listing the pods it
 * selects that have an IP, with ready/serving/terminating conditions and the resolved target ports.
 */
import type { ResourceApi } from '../resource-api.js';
import { typeOfKind } from '../resources.js';
import { selectorObjectMatches } from '../selectors.js';
import type { KubeObject, ObjectStore } from '../store.js';
import { controllerRef, isOwnedBy, isPodReady } from './pod-facts.js';

const SERVICES = typeOfKind('Service');
const PODS = typeOfKind('Pod');
const SLICES = typeOfKind('EndpointSlice');
const MANAGER = 'endpointslice-controller.k8s.io';
const SERVICE_NAME = 'kubernetes.io/service-name';

type JsonObject = Record<string, unknown>;

function targetPort(port: JsonObject, pods: readonly KubeObject[]): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === 'number') return target;
  for (const pod of pods) {
    for (const container of ((pod.spec as JsonObject).containers ?? []) as JsonObject[]) {
      const named = ((container.ports ?? []) as JsonObject[]).find((p) => p.name === target);
      if (named) return Number(named.containerPort);
    }
  }
  return undefined;
}

export class EndpointSliceController {
  constructor(
    private readonly store: ObjectStore,
    private readonly api: ResourceApi,
  ) {}

  reconcile(): void {
    for (const service of this.store.list(SERVICES)) this.sync(service);
  }

  private sync(service: KubeObject): void {
    const svcSpec = (service.spec ?? {}) as JsonObject;
    const selector = svcSpec.selector as Record<string, string> | undefined;
    if (!selector || Object.keys(selector).length === 0) return;
    const namespace = service.metadata.namespace;
    const pods = this.store
      .list(PODS, namespace)
      .filter((pod) => selectorObjectMatches({ matchLabels: selector }, pod.metadata.labels ?? {}) && (pod.status as JsonObject | undefined)?.podIP);
    const endpoints = pods.map((pod) => {
      const terminating = Boolean(pod.metadata.deletionTimestamp);
      const ready = isPodReady(pod);
      return {
        addresses: [String((pod.status as JsonObject).podIP)],
        conditions: { ready: ready && !terminating, serving: ready, terminating },
        nodeName: (pod.spec as JsonObject).nodeName,
        targetRef: { kind: 'Pod', name: pod.metadata.name, namespace, uid: pod.metadata.uid },
      };
    });
    const ports = ((svcSpec.ports ?? []) as JsonObject[]).flatMap((p) => {
      const port = targetPort(p, pods);
      return port === undefined ? [] : [{ name: p.name ?? '', port, protocol: p.protocol ?? 'TCP' }];
    });
    const existing = this.store.list(SLICES, namespace).find((s) => isOwnedBy(s, service));
    if (!existing) {
      this.api.createObject(
        SLICES,
        {
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: {
            name: '',
            generateName: `${service.metadata.name}-`,
            namespace,
            labels: { [SERVICE_NAME]: service.metadata.name, 'endpointslice.kubernetes.io/managed-by': MANAGER },
            ownerReferences: [controllerRef(service)],
          },
          addressType: 'IPv4',
          endpoints,
          ports,
        },
        MANAGER,
      );
      return;
    }
    if (JSON.stringify(existing.endpoints) === JSON.stringify(endpoints) && JSON.stringify(existing.ports) === JSON.stringify(ports)) return;
    this.store.update(SLICES, { ...existing, endpoints, ports });
  }
}
