/**
 * Server-side printing: the meta.k8s.io/v1 Table that `kubectl get` asks for, with the columns
 * the real server prints for each kind.
 */
import type { KubeObject } from './store.js';

type JsonObject = Record<string, unknown>;

interface Column {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'date';
  readonly priority?: number;
  readonly cell: (object: KubeObject) => string | number;
}

const obj = (v: unknown): JsonObject => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonObject) : {});
const arr = (v: unknown): JsonObject[] => (Array.isArray(v) ? (v as JsonObject[]) : []);
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/** kubectl's human duration: 45s, 3m20s, 2h, 4d. */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

const age = (o: KubeObject): string => (o.metadata.creationTimestamp ? humanDuration(Date.now() - Date.parse(o.metadata.creationTimestamp)) : '<unknown>');

const NAME: Column = { name: 'Name', type: 'string', cell: (o) => o.metadata.name };
const AGE: Column = { name: 'Age', type: 'string', cell: age };

function podStatus(pod: KubeObject): string {
  if (pod.metadata.deletionTimestamp) return 'Terminating';
  const status = obj(pod.status);
  for (const c of arr(status.containerStatuses)) {
    const state = obj(c.state);
    const reason = obj(state.waiting).reason ?? obj(state.terminated).reason;
    if (typeof reason === 'string') return reason;
  }
  return String(status.phase ?? 'Pending');
}

function servicePorts(svc: KubeObject): string {
  const ports = arr(obj(svc.spec).ports);
  if (ports.length === 0) return '<none>';
  return ports.map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',');
}

function externalIp(svc: KubeObject): string {
  const spec = obj(svc.spec);
  if (spec.type !== 'LoadBalancer') return '<none>';
  const ingress = arr(obj(obj(svc.status).loadBalancer).ingress);
  return ingress.length === 0 ? '<pending>' : ingress.map((i) => String(i.ip ?? i.hostname)).join(',');
}

const accessModeShort: Record<string, string> = { ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' };

/** kubectl's Job status: the condition that ended it, else Running. */
function jobStatus(job: KubeObject): string {
  const conditions = arr(obj(job.status).conditions).filter((c) => c.status === 'True');
  if (conditions.some((c) => c.type === 'Complete')) return 'Complete';
  if (conditions.some((c) => c.type === 'Failed')) return 'Failed';
  return job.metadata.deletionTimestamp ? 'Terminating' : 'Running';
}

function jobDuration(job: KubeObject): string {
  const status = obj(job.status);
  if (typeof status.startTime !== 'string') return '';
  const end = typeof status.completionTime === 'string' ? Date.parse(status.completionTime) : Date.now();
  return humanDuration(end - Date.parse(status.startTime));
}

const COLUMNS: Record<string, readonly Column[]> = {
  Pod: [
    NAME,
    { name: 'Ready', type: 'string', cell: (o) => `${arr(obj(o.status).containerStatuses).filter((c) => c.ready).length}/${arr(obj(o.spec).containers).length}` },
    { name: 'Status', type: 'string', cell: podStatus },
    { name: 'Restarts', type: 'string', cell: (o) => String(arr(obj(o.status).containerStatuses).reduce((n, c) => n + num(c.restartCount), 0)) },
    AGE,
    { name: 'IP', type: 'string', priority: 1, cell: (o) => String(obj(o.status).podIP ?? '<none>') },
    { name: 'Node', type: 'string', priority: 1, cell: (o) => String(obj(o.spec).nodeName ?? '<none>') },
  ],
  Deployment: [
    NAME,
    { name: 'Ready', type: 'string', cell: (o) => `${num(obj(o.status).readyReplicas)}/${num(obj(o.spec).replicas)}` },
    { name: 'Up-to-date', type: 'integer', cell: (o) => num(obj(o.status).updatedReplicas) },
    { name: 'Available', type: 'integer', cell: (o) => num(obj(o.status).availableReplicas) },
    AGE,
  ],
  ReplicaSet: [
    NAME,
    { name: 'Desired', type: 'integer', cell: (o) => num(obj(o.spec).replicas) },
    { name: 'Current', type: 'integer', cell: (o) => num(obj(o.status).replicas) },
    { name: 'Ready', type: 'integer', cell: (o) => num(obj(o.status).readyReplicas) },
    AGE,
  ],
  Service: [
    NAME,
    { name: 'Type', type: 'string', cell: (o) => String(obj(o.spec).type ?? 'ClusterIP') },
    { name: 'Cluster-IP', type: 'string', cell: (o) => String(obj(o.spec).clusterIP ?? '<none>') },
    { name: 'External-IP', type: 'string', cell: externalIp },
    { name: 'Port(s)', type: 'string', cell: servicePorts },
    AGE,
  ],
  PersistentVolumeClaim: [
    NAME,
    { name: 'Status', type: 'string', cell: (o) => (o.metadata.deletionTimestamp ? 'Terminating' : String(obj(o.status).phase ?? 'Pending')) },
    { name: 'Volume', type: 'string', cell: (o) => String(obj(o.spec).volumeName ?? '') },
    { name: 'Capacity', type: 'string', cell: (o) => String(obj(obj(o.status).capacity).storage ?? '') },
    { name: 'Access Modes', type: 'string', cell: (o) => arr(obj(o.status).accessModes).map((mode) => accessModeShort[String(mode)] ?? String(mode)).join(',') },
    { name: 'StorageClass', type: 'string', cell: (o) => String(obj(o.spec).storageClassName ?? '<unset>') },
    AGE,
  ],
  Job: [
    NAME,
    { name: 'Status', type: 'string', cell: jobStatus },
    { name: 'Completions', type: 'string', cell: (o) => `${num(obj(o.status).succeeded)}/${num(obj(o.spec).completions) || 1}` },
    { name: 'Duration', type: 'string', cell: jobDuration },
    AGE,
  ],
  Namespace: [NAME, { name: 'Status', type: 'string', cell: (o) => String(obj(o.status).phase ?? 'Active') }, AGE],
  ConfigMap: [NAME, { name: 'Data', type: 'integer', cell: (o) => Object.keys(obj(o.data)).length + Object.keys(obj(o.binaryData)).length }, AGE],
  Secret: [NAME, { name: 'Type', type: 'string', cell: (o) => String(o.type ?? 'Opaque') }, { name: 'Data', type: 'integer', cell: (o) => Object.keys(obj(o.data)).length }, AGE],
  Event: [
    { name: 'Last Seen', type: 'string', cell: (o) => humanDuration(Date.now() - Date.parse(String(o.lastTimestamp ?? o.metadata.creationTimestamp))) },
    { name: 'Type', type: 'string', cell: (o) => String(o.type ?? '') },
    { name: 'Reason', type: 'string', cell: (o) => String(o.reason ?? '') },
    { name: 'Object', type: 'string', cell: (o) => `${String(obj(o.involvedObject).kind ?? '').toLowerCase()}/${String(obj(o.involvedObject).name ?? '')}` },
    { name: 'Message', type: 'string', cell: (o) => String(o.message ?? '') },
  ],
};

function columnsOf(kind: string): readonly Column[] {
  return COLUMNS[kind] ?? [NAME, AGE];
}

/** The Table for `objects` of `kind`; `resourceVersion` is the list's. */
export function toTable(kind: string, objects: readonly KubeObject[], resourceVersion: string): JsonObject {
  const columns = columnsOf(kind);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: columns.map((c) => ({ name: c.name, type: c.type, format: c === NAME ? 'name' : '', description: c.name, priority: c.priority ?? 0 })),
    rows: objects.map((o) => ({
      cells: columns.map((c) => c.cell(o)),
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}

export const wantsTable = (accept: string | undefined): boolean => (accept ?? '').includes('as=Table');
