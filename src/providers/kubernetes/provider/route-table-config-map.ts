/**
 * The environment's routing table, kept in the ConfigMap Skiff's router starts from
 * (`skiff-router-routes`). Until the router runs in the cluster, this is the whole data plane of
 * the provider: the latest table published, and its version.
 */
import type { RouteTable } from '../../../core/route-table.js';
import { kubeResources, type KubeClient } from '../client/index.js';
import type { KubeObject } from '../client/index.js';
import { routeTableConfigMap, routeTableFile } from '../manifests/config-maps.js';
import { routerTableConfigMapName } from '../manifests/names.js';

type ConfigMap = KubeObject & { readonly data?: Readonly<Record<string, string>> };

export class RouteTableConfigMap {
  constructor(
    private readonly client: KubeClient,
    private readonly environment: string,
  ) {}

  /** The table the ConfigMap holds, or null when there is none (or it is not a table). */
  async read(): Promise<RouteTable | null> {
    const configMap = await this.client.get<ConfigMap>(kubeResources.ConfigMap, routerTableConfigMapName);
    const text = configMap?.data?.[routeTableFile];
    if (text === undefined) return null;
    try {
      const table = JSON.parse(text) as RouteTable;
      return typeof table.version === 'number' ? table : null;
    } catch {
      return null;
    }
  }

  async write(table: RouteTable): Promise<void> {
    await this.client.apply(routeTableConfigMap(this.environment, this.client.namespace, table) as KubeObject);
  }
}
