/** A container's environment as the kubelet resolves it: env values, valueFrom (ConfigMap, Secret, fieldRef) and envFrom. */
import { typeOfKind } from '../resources.js';
import type { KubeObject, ObjectStore } from '../store.js';

const CONFIGMAPS = typeOfKind('ConfigMap');
const SECRETS = typeOfKind('Secret');

type JsonObject = Record<string, unknown>;

function dataOf(store: ObjectStore, namespace: string, kind: 'ConfigMap' | 'Secret', name: string): Record<string, string> {
  const object = store.get(kind === 'ConfigMap' ? CONFIGMAPS : SECRETS, namespace, name);
  if (!object) return {};
  const data = (object.data ?? {}) as Record<string, string>;
  if (kind === 'ConfigMap') return data;
  const plain = Object.entries((object.stringData ?? {}) as Record<string, string>);
  return Object.fromEntries([...Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]), ...plain]);
}

export function resolveEnv(store: ObjectStore, pod: KubeObject, container: JsonObject, podIP: string): string[] {
  const namespace = pod.metadata.namespace ?? 'default';
  const env: Record<string, string> = {};
  for (const from of (container.envFrom ?? []) as JsonObject[]) {
    const cm = from.configMapRef as { name: string } | undefined;
    const secret = from.secretRef as { name: string } | undefined;
    const data = cm ? dataOf(store, namespace, 'ConfigMap', cm.name) : secret ? dataOf(store, namespace, 'Secret', secret.name) : {};
    for (const [k, v] of Object.entries(data)) env[`${String(from.prefix ?? '')}${k}`] = v;
  }
  for (const e of (container.env ?? []) as JsonObject[]) {
    const name = String(e.name);
    if (typeof e.value === 'string') env[name] = e.value;
    const valueFrom = e.valueFrom as JsonObject | undefined;
    if (!valueFrom) continue;
    const cmKey = valueFrom.configMapKeyRef as { name: string; key: string } | undefined;
    const secretKey = valueFrom.secretKeyRef as { name: string; key: string } | undefined;
    const field = (valueFrom.fieldRef as { fieldPath: string } | undefined)?.fieldPath;
    if (cmKey) env[name] = dataOf(store, namespace, 'ConfigMap', cmKey.name)[cmKey.key] ?? '';
    else if (secretKey) env[name] = dataOf(store, namespace, 'Secret', secretKey.name)[secretKey.key] ?? '';
    else if (field === 'metadata.name') env[name] = pod.metadata.name;
    else if (field === 'metadata.namespace') env[name] = namespace;
    else if (field === 'status.podIP') env[name] = podIP;
  }
  return Object.entries(env).map(([k, v]) => `${k}=${v}`);
}
