/**
 * Skiff's router in the cluster: the environment's data plane, as on the local provider. Two
 * replicas spread over nodes, a disruption budget that keeps one serving through a node drain,
 * and a Service of the environment's type in front.
 */
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IService } from 'kubernetes-models/v1/Service';
import type { KubernetesSpec } from '../../../spec/schema.js';
import { routeTableFile } from './config-maps.js';
import { containerPort, drainSeconds, routerAdminPort, routerServicePort } from './input.js';
import { routerLabels, routerSelector } from './labels.js';
import { routerName, routerTableConfigMapName } from './names.js';
import { containerDefaults, deploymentDefaults, podDefaults } from './pod-defaults.js';
import { imagePullSecrets } from './registry-secret.js';

export const routerReplicas = 2;
const routesMount = '/etc/skiff/routes';
const stateDir = '/var/lib/skiff-router';
const runDir = '/run/skiff';

/**
 * The router owns its table file (it saves each table it is given), so it starts from a copy of
 * the ConfigMap's table in a writable volume; its image has node and no shell.
 */
const copyTable = `require('node:fs').copyFileSync('${routesMount}/${routeTableFile}', '${stateDir}/${routeTableFile}')`;

export function routerDeployment(environment: string, namespace: string, image: string, pullSecret = false): IDeployment {
  const labels = routerLabels(environment);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: routerName, namespace, labels },
    spec: {
      replicas: routerReplicas,
      selector: { matchLabels: { ...routerSelector } },
      template: {
        metadata: { labels },
        spec: {
          initContainers: [
            {
              name: 'table',
              image,
              command: ['node', '-e', copyTable],
              volumeMounts: [
                { name: 'routes', mountPath: routesMount, readOnly: true },
                { name: 'state', mountPath: stateDir },
              ],
              resources: {},
              ...containerDefaults,
            },
          ],
          containers: [
            {
              name: 'router',
              image,
              command: ['node', '/app/dist/main/router-process.js'],
              // The router never listens on every interface: it takes the pod's own address. It follows
              // the table's ConfigMap and the releases' EndpointSlices in its namespace; the control
              // plane reads its counters and drains through the admin port.
              args: [
                '--listen-host', '$(POD_IP)', '--port', String(containerPort),
                '--admin-socket', `${runDir}/router.sock`, '--table-file', `${stateDir}/${routeTableFile}`,
                '--kube-namespace', '$(POD_NAMESPACE)', '--admin-listen', `$(POD_IP):${routerAdminPort}`,
              ],
              env: [
                { name: 'POD_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } },
                { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } } },
              ],
              ports: [
                { name: 'http', containerPort, protocol: 'TCP' },
                { name: 'admin', containerPort: routerAdminPort, protocol: 'TCP' },
              ],
              readinessProbe: { tcpSocket: { port: containerPort }, timeoutSeconds: 1, periodSeconds: 2, successThreshold: 1, failureThreshold: 2 },
              livenessProbe: { tcpSocket: { port: containerPort }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
              resources: { requests: { cpu: '250m', memory: '128Mi' }, limits: { memory: '256Mi' } },
              volumeMounts: [
                { name: 'state', mountPath: stateDir },
                { name: 'run', mountPath: runDir },
              ],
              // The Service stops sending new connections before the router drains and exits.
              lifecycle: { preStop: { sleep: { seconds: drainSeconds } } },
              ...containerDefaults,
            },
          ],
          volumes: [
            { name: 'routes', configMap: { name: routerTableConfigMapName, defaultMode: 0o644 } },
            { name: 'state', emptyDir: {} },
            { name: 'run', emptyDir: {} },
          ],
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                { weight: 100, podAffinityTerm: { labelSelector: { matchLabels: { ...routerSelector } }, topologyKey: 'kubernetes.io/hostname' } },
              ],
            },
          },
          // Its token lets it read the ConfigMap and EndpointSlices (the Role skiff-router), no more.
          serviceAccountName: routerName,
          automountServiceAccountToken: true,
          terminationGracePeriodSeconds: 30,
          enableServiceLinks: false,
          ...imagePullSecrets(pullSecret),
          ...podDefaults,
        },
      },
      ...deploymentDefaults,
    },
  };
}

export function routerDisruptionBudget(environment: string, namespace: string): IPodDisruptionBudget {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: routerName, namespace, labels: routerLabels(environment) },
    spec: { minAvailable: 1, selector: { matchLabels: { ...routerSelector } } },
  };
}

export function routerService(environment: string, namespace: string, settings: KubernetesSpec): IService {
  const external = settings.serviceType;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: routerName, namespace, labels: routerLabels(environment) },
    spec: {
      type: external,
      selector: { ...routerSelector },
      ports: [{ name: 'http', port: routerServicePort, targetPort: containerPort, protocol: 'TCP' }],
      sessionAffinity: 'None',
      externalTrafficPolicy: 'Cluster',
      internalTrafficPolicy: 'Cluster',
      ipFamilyPolicy: 'SingleStack',
      ...(external === 'LoadBalancer' ? { allocateLoadBalancerNodePorts: true } : {}),
    },
  };
}
