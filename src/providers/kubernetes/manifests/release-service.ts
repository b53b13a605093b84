import type { IService } from 'kubernetes-models/v1/Service';
import { containerPort } from './input.js';
import type { ReleaseWorkload } from './input.js';
import { releaseLabels, releaseSelector } from './labels.js';
import { releaseObjectName } from './names.js';

/**
 * A ClusterIP Service per release: the backend of the release in exported routing tables and
 * HTTPRoutes; Skiff's router in the cluster routes to the pod IPs of its EndpointSlices.
 */
export function releaseService(environment: string, namespace: string, workload: ReleaseWorkload): IService {
  const { service, release } = workload;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: releaseObjectName(service.name, release), namespace, labels: releaseLabels(environment, service.name, release) },
    spec: {
      type: 'ClusterIP',
      selector: releaseSelector(service.name, release),
      ports: [{ name: 'http', port: containerPort, targetPort: containerPort, protocol: 'TCP' }],
      sessionAffinity: 'None',
      internalTrafficPolicy: 'Cluster',
      ipFamilyPolicy: 'SingleStack',
    },
  };
}

/** The cluster DNS name of a release's Service. */
export function releaseServiceHost(namespace: string, workload: ReleaseWorkload): string {
  return `${releaseObjectName(workload.service.name, workload.release)}.${namespace}.svc.cluster.local`;
}
