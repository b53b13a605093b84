/**
 * What a router in the cluster routes with: it watches the routing-table ConfigMap
 * (`skiff-router-routes`) and the namespace's EndpointSlices, and hands the router the table with
 * each release's ready pods (endpoint-table.ts) after every change. While the API server cannot
 * be reached the informers retry on their own and the router keeps the last table it was given.
 */
import type { RouteTable } from '../../../core/route-table.js';
import { parseRouteTable } from '../../../router/route-table-schema.js';
import { Informer, kubeResources, type InformerProblem, type KubeClient, type KubeObject } from '../client/index.js';
import { routeTableFile } from '../manifests/config-maps.js';
import { routerTableConfigMapName } from '../manifests/names.js';
import { EndpointTable, type EndpointSlice } from './endpoint-table.js';

type ConfigMap = KubeObject & { readonly data?: Readonly<Record<string, string>> };

export interface FeedLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface ClusterTableFeedOptions {
  readonly client: KubeClient;
  /** Gives the router a table; rejects when it refuses it. */
  readonly publish: (table: RouteTable) => Promise<void>;
  readonly logger: FeedLogger;
}

export class ClusterTableFeed {
  private readonly configMaps: Informer<ConfigMap>;
  private readonly slices: Informer<KubeObject & EndpointSlice>;
  private readonly merger = new EndpointTable();
  private synced = false;
  private publishing = false;
  private dirty = false;
  private lastProblem = '';
  /** The last table the router took, as JSON: a change elsewhere in the namespace gives it nothing new. */
  private lastPublished = '';

  constructor(private readonly options: ClusterTableFeedOptions) {
    const { client } = options;
    this.configMaps = new Informer<ConfigMap>({ client, type: kubeResources.ConfigMap, labelSelector: 'app.kubernetes.io/managed-by=skiff' });
    this.slices = new Informer<KubeObject & EndpointSlice>({ client, type: kubeResources.EndpointSlice });
    for (const informer of [this.configMaps, this.slices] as const) {
      informer.onEvent(() => {
        this.lastProblem = '';
        this.changed();
      });
      informer.onProblem((problem) => this.problem(problem));
    }
  }

  /** Starts watching; the first table is published once both kinds are listed (the router serves its table file until then). */
  start(): void {
    this.configMaps.start();
    this.slices.start();
    void Promise.all([this.configMaps.synced(), this.slices.synced()]).then(
      () => {
        this.synced = true;
        this.options.logger.info({ namespace: this.options.client.namespace }, 'watching the routing table and EndpointSlices');
        this.changed();
      },
      () => undefined,
    );
  }

  async stop(): Promise<void> {
    await Promise.all([this.configMaps.stop(), this.slices.stop()]);
  }

  /** The table to serve now, or undefined when the ConfigMap holds none. */
  current(): RouteTable | undefined {
    const text = this.configMaps.get(routerTableConfigMapName, this.options.client.namespace)?.data?.[routeTableFile];
    if (text === undefined) return undefined;
    try {
      return this.merger.merge(parseRouteTable(JSON.parse(text)), this.slices.list());
    } catch (error) {
      this.options.logger.warn({ configMap: routerTableConfigMapName, err: (error as Error).message }, 'the routing-table ConfigMap holds no valid table; keeping the last one');
      return undefined;
    }
  }

  /** Changes arriving while a table is being applied are folded into one more publication. */
  private changed(): void {
    if (!this.synced) return;
    if (this.publishing) {
      this.dirty = true;
      return;
    }
    const table = this.current();
    if (table === undefined) return;
    const json = JSON.stringify(table);
    if (json === this.lastPublished) return;
    this.publishing = true;
    this.dirty = false;
    this.options.publish(table).then(
      () => {
        this.lastPublished = json;
        this.published();
      },
      (error: unknown) => {
        this.options.logger.warn({ version: table.version, err: (error as Error).message }, 'the router refused the table from the cluster');
        this.published();
      },
    );
  }

  private published(): void {
    this.publishing = false;
    if (this.dirty) this.changed();
  }

  private problem({ error, retryInMs }: InformerProblem): void {
    // The same failure on every retry is logged once; the router keeps routing meanwhile.
    if (error.message === this.lastProblem) return;
    this.lastProblem = error.message;
    this.options.logger.warn({ code: error.code, err: error.message, retryInMs }, 'cannot watch the cluster; routing with the last table');
  }
}
