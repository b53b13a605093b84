import { createHash } from 'node:crypto';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { RouteTable } from '../../../core/route-table.js';
import type { ReleaseWorkload } from './input.js';
import { environmentLabels } from './labels.js';
import { envConfigMapName, routerTableConfigMapName } from './names.js';

/** The release's environment variables, sorted so equal content always hashes (and names) alike. */
function sortedEnv(workload: ReleaseWorkload): Record<string, string> {
  return Object.fromEntries(Object.entries(workload.service.env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The name of the release's env ConfigMap: releases with the same variables share one. */
export function envConfigMapNameOf(workload: ReleaseWorkload): string {
  const hash = createHash('sha256').update(JSON.stringify(sortedEnv(workload))).digest('hex').slice(0, 10);
  return envConfigMapName(workload.service.name, hash);
}

/**
 * Immutable, so a running pod's variables never change under it; named by a hash of its content,
 * so a new config is a new ConfigMap (and a rollback finds the old one again).
 */
export function envConfigMap(environment: string, namespace: string, workload: ReleaseWorkload): IConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: envConfigMapNameOf(workload),
      namespace,
      labels: { 'app.kubernetes.io/name': workload.service.name, ...environmentLabels(environment) },
    },
    immutable: true,
    data: sortedEnv(workload),
  };
}

export const routeTableFile = 'table.json';

/** The routing table Skiff's router starts with; mutable: the control plane publishes new ones. */
export function routeTableConfigMap(environment: string, namespace: string, table: RouteTable): IConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: routerTableConfigMapName, namespace, labels: environmentLabels(environment) },
    data: { [routeTableFile]: `${JSON.stringify(table, null, 2)}\n` },
  };
}
