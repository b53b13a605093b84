/**
 * The defaults the real API server fills in on create and update, for the kinds Skiff writes,
 * so that a client reading an object back sees what it would see on a cluster.
 */
import { randomInt } from 'node:crypto';
import type { KubeObject } from './store.js';

type JsonObject = Record<string, unknown>;

const obj = (v: unknown): JsonObject => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonObject) : {});

function setDefault(target: JsonObject, key: string, value: unknown): void {
  if (target[key] === undefined) target[key] = value;
}

function defaultContainer(container: JsonObject): void {
  const image = String(container.image ?? '');
  const tagged = /:[^/]+$/.test(image) || image.includes('@');
  setDefault(container, 'imagePullPolicy', !tagged || image.endsWith(':latest') ? 'Always' : 'IfNotPresent');
  setDefault(container, 'terminationMessagePath', '/dev/termination-log');
  setDefault(container, 'terminationMessagePolicy', 'File');
  setDefault(container, 'resources', {});
  for (const port of (container.ports as JsonObject[] | undefined) ?? []) setDefault(port, 'protocol', 'TCP');
  for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
    const p = container[probe] as JsonObject | undefined;
    if (!p) continue;
    setDefault(p, 'timeoutSeconds', 1);
    setDefault(p, 'periodSeconds', 10);
    setDefault(p, 'successThreshold', 1);
    setDefault(p, 'failureThreshold', 3);
    if (p.httpGet) setDefault(obj(p.httpGet), 'scheme', 'HTTP');
  }
}

export function defaultPodSpec(spec: JsonObject): void {
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'schedulerName', 'default-scheduler');
  setDefault(spec, 'securityContext', {});
  for (const c of (spec.containers as JsonObject[] | undefined) ?? []) defaultContainer(c);
}

function defaultJobSpec(spec: JsonObject): void {
  for (const [key, value] of Object.entries({ completions: 1, parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false, podReplacementPolicy: 'TerminatingOrFailed' })) setDefault(spec, key, value);
  defaultPodSpec(obj((obj((spec.template ??= {})).spec ??= {})));
}

let nextClusterIp = 10;
// Fakes in several test processes at once each serve their node ports on 127.0.0.1: start at a random one.
let nextNodePort = randomInt(30000, 32000);

const defaulters: Record<string, (object: KubeObject) => void> = {
  Deployment(object) {
    const spec = obj((object.spec ??= {}));
    setDefault(spec, 'replicas', 1);
    setDefault(spec, 'revisionHistoryLimit', 10);
    setDefault(spec, 'progressDeadlineSeconds', 600);
    setDefault(spec, 'strategy', { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
    const strategy = obj(spec.strategy);
    if (strategy.type === 'RollingUpdate') setDefault(strategy, 'rollingUpdate', { maxSurge: '25%', maxUnavailable: '25%' });
    defaultPodSpec(obj((obj((spec.template ??= {})).spec ??= {})));
  },
  ReplicaSet(object) {
    defaultPodSpec(obj((obj((obj((object.spec ??= {})).template ??= {})).spec ??= {})));
  },
  Pod(object) {
    defaultPodSpec(obj((object.spec ??= {})));
    setDefault(object, 'status', { phase: 'Pending', qosClass: 'BestEffort' });
  },
  Service(object) {
    const spec = obj((object.spec ??= {}));
    setDefault(spec, 'type', 'ClusterIP');
    setDefault(spec, 'sessionAffinity', 'None');
    setDefault(spec, 'ipFamilies', ['IPv4']);
    setDefault(spec, 'ipFamilyPolicy', 'SingleStack');
    setDefault(spec, 'internalTrafficPolicy', 'Cluster');
    if (spec.clusterIP === undefined) {
      nextClusterIp += 1;
      spec.clusterIP = `10.96.${Math.floor(nextClusterIp / 250)}.${nextClusterIp % 250}`;
      spec.clusterIPs = [spec.clusterIP];
    }
    for (const port of (spec.ports as JsonObject[] | undefined) ?? []) {
      setDefault(port, 'protocol', 'TCP');
      setDefault(port, 'targetPort', port.port);
      if ((spec.type === 'NodePort' || spec.type === 'LoadBalancer') && port.nodePort === undefined) port.nodePort = nextNodePort++;
    }
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') setDefault(spec, 'externalTrafficPolicy', 'Cluster');
    setDefault(object, 'status', { loadBalancer: {} });
  },
  Job(object) {
    defaultJobSpec(obj((object.spec ??= {})));
  },
  CronJob(object) {
    const spec = obj((object.spec ??= {}));
    for (const [key, value] of Object.entries({ concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 })) setDefault(spec, key, value);
    defaultJobSpec(obj((obj((spec.jobTemplate ??= {})).spec ??= {})));
  },
  PersistentVolumeClaim(object) {
    setDefault(obj((object.spec ??= {})), 'volumeMode', 'Filesystem');
    setDefault(object, 'status', { phase: 'Pending' });
  },
  Namespace(object) {
    object.metadata.labels = { ...object.metadata.labels, 'kubernetes.io/metadata.name': object.metadata.name };
    setDefault(object, 'spec', { finalizers: ['kubernetes'] });
    setDefault(object, 'status', { phase: 'Active' });
  },
};

/** Fills in the defaults for `object`'s kind, in place. */
export function applyDefaults(object: KubeObject): void {
  defaulters[object.kind]?.(object);
}
