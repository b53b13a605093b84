/**
 * The `kubernetes` provider: one release = one Deployment in the environment's namespace, pods as
 * instances (watched by an Informer), writes by server-side apply as field manager `skiff`.
 *
 * A first slice: instances are placed, observed, stopped and adopted. The data plane is Skiff's
 * router in the namespace: it follows the routing table this provider keeps in a ConfigMap and
 * the releases' pods in EndpointSlices; drain, counters, load and metrics are read from its
 * replicas' admin ports. Until the slice is complete, the registry keeps the refusing factory
 * `createKubernetesProvider` below, and environments with `provider: kubernetes` are refused.
 */
import path from 'node:path';
import type { Clock } from '../../core/clock.js';
import { SkiffError } from '../../core/errors.js';
import type { InstanceAddress, InstanceUsage, ObservedInstance } from '../../core/instance.js';
import type { ParallelReport } from '../../core/parallel-report.js';
import { emptyRouteTable, type RouteTable } from '../../core/route-table.js';
import type { CountersSnapshot } from '../../reconcile/deployment.js';
import type { StopReason } from '../../reconcile/instance-planner.js';
import type { LogSource, Provider, ProviderCapabilities, ProviderContext, ProviderFactory, ServiceLoad, ShutdownOptions } from '../../reconcile/provider.js';
import type { DesiredEnvironment, DesiredService } from '../../spec/desired.js';
import { kubernetesNamespace, kubernetesSettings, type KubernetesSpec } from '../../spec/schema-kubernetes.js';
import { KubeClient, kubeResources, loadKubeconfig, type InformerEvent, type KubeObject, type KubeconfigDefaults } from './client/index.js';
import { routerDeployment, routerDisruptionBudget, routerService } from './manifests/router.js';
import { releaseObjectName, routerName } from './manifests/names.js';
import { podRelease, podService, podToInstance, type Pod } from './provider/pod-instance.js';
import { PodView } from './provider/pod-view.js';
import { deploymentNameOf, releaseNameOf, releaseObjects } from './provider/release-objects.js';
import { RouteTableConfigMap } from './provider/route-table-config-map.js';
import { KeyedSerial } from './provider/keyed-serial.js';
import { ClusterRouters, routerPodAdmins, type RouterAdminLocator } from './provider/cluster-routers.js';
import { serviceCounters } from '../local/router-counters.js';
import { serviceLoads } from '../local/router-load.js';
import { SkiffObjects } from './provider/skiff-objects.js';

/** What the environment's spec says about its cluster, and what the control plane gives every provider. */
export interface KubernetesProviderDeps {
  /** The environment's `kubernetes:` settings. */
  readonly settings: KubernetesSpec | undefined;
  /** The environment's `registry:`, where images are pulled from by digest. */
  readonly registry: string;
  /** Where a relative `kubernetes.kubeconfig` is resolved from: the spec file's directory. */
  readonly specDir: string;
  /** KUBECONFIG and the home directory, from config/ (the only reader of process.env). */
  readonly kubeconfigDefaults: KubeconfigDefaults;
  readonly clock: Clock;
  /** The release's secret values, from Skiff's encrypted store. */
  readonly secretEnv: (release: DesiredService) => Promise<Readonly<Record<string, string>>>;
  /** How long `place` waits for the new pod to appear (60 s). */
  readonly placeTimeoutMs?: number;
  /** Where the routers' admin ports are: by default the ready router pods at their IP (port 8081). */
  readonly routerAdmins?: RouterAdminLocator;
  /**
   * The router image by digest (images/router-image.ts: built and pushed once per Skiff build).
   * With it, `start` applies the router's Deployment and disruption budget; without, they are
   * left to whoever applied `skiff export`'s manifests.
   */
  readonly routerImage?: () => Promise<string>;
}

const configHashAnnotation = 'skiff.dev/config-hash';
const deletionCostAnnotation = 'controller.kubernetes.io/pod-deletion-cost';

export class KubernetesProvider implements Provider {
  readonly kind = 'kubernetes';
  readonly capabilities: ProviderCapabilities = {
    adoptsOnRestart: true,
    resourceLimits: { enforced: true },
    // The routers mirror, but their parallel-run reports are not read from the replicas yet; nothing reads logs or usage.
    parallelRuns: false,
    logs: false,
    usage: false,
  };
  readonly client: KubeClient;
  private readonly pods: PodView;
  private readonly table: RouteTableConfigMap;
  private readonly objects: SkiffObjects;
  private readonly routers: ClusterRouters;
  /** Writes to one Deployment run one at a time, so each reads the count the previous one left. */
  private readonly serial = new KeyedSerial();
  private readonly configHashes = new Map<string, string>();
  /** Places called and not finished, by Deployment. */
  private readonly placing = new Map<string, number>();
  /** Stops asked for whose scale-down has not been written yet, by Deployment. */
  private readonly pendingStops = new Map<string, number>();
  private closed = false;

  constructor(
    private readonly context: ProviderContext,
    private readonly deps: KubernetesProviderDeps,
  ) {
    const { environment } = context;
    const settings = deps.settings;
    const connection = loadKubeconfig(
      { ...(settings?.kubeconfig ? { kubeconfig: path.resolve(deps.specDir, settings.kubeconfig) } : {}), ...(settings?.context ? { context: settings.context } : {}) },
      deps.kubeconfigDefaults,
    );
    this.client = new KubeClient(connection, { namespace: kubernetesNamespace(environment, settings) });
    this.table = new RouteTableConfigMap(this.client, environment);
    this.objects = new SkiffObjects(this.client, environment);
    this.routers = new ClusterRouters(deps.routerAdmins ?? routerPodAdmins(this.client), this.client.namespace);
    this.pods = new PodView({
      client: this.client,
      environment,
      configHash: (deployment) => this.configHashes.get(deployment) ?? '',
      onChange: (event) => this.podChanged(event),
    });
  }

  get environment(): string {
    return this.context.environment;
  }

  get namespace(): string {
    return this.client.namespace;
  }

  /** The router's Service in the namespace (nothing answers there until the router runs in the cluster). */
  get routerUrl(): string {
    return `http://${routerName}.${this.namespace}.svc.cluster.local`;
  }

  async start(_desired: DesiredEnvironment): Promise<{ dataPlane: 'started' | 'adopted'; detail: string }> {
    // A namespaced read: it fails with SKIFF_KUBE_NAMESPACE_MISSING naming the namespace, and needs only the Role Skiff's export writes.
    const existing = await this.table.read();
    for (const deployment of await this.objects.deployments()) {
      const hash = deployment.metadata.annotations?.[configHashAnnotation];
      if (hash) this.configHashes.set(deployment.metadata.name, hash);
    }
    await this.pods.start();
    // Every read passed (so the credentials can watch the namespace), and the router image is in the registry, before anything is written.
    try {
      const routerImage = await this.deps.routerImage?.();
      if (!existing) await this.table.write(emptyRouteTable);
      await this.client.apply(routerService(this.environment, this.namespace, kubernetesSettings(this.deps.settings)) as KubeObject);
      if (routerImage !== undefined) {
        await this.client.apply(routerDeployment(this.environment, this.namespace, routerImage) as KubeObject);
        await this.client.apply(routerDisruptionBudget(this.environment, this.namespace) as KubeObject);
      }
    } catch (error) {
      await this.pods.stop();
      throw error;
    }
    const dataPlane = existing ? 'adopted' : 'started';
    return { dataPlane, detail: `namespace ${this.namespace}: routing table ${dataPlane} (version ${existing?.version ?? 0}), ${this.pods.pods().length} pods adopted` };
  }

  follow(_desired: DesiredEnvironment): void {}

  observed(service?: string): readonly ObservedInstance[] {
    return this.pods.instances(service);
  }

  observedVersion(): number {
    return this.pods.version;
  }

  /** One more replica of the release's Deployment (created with its ConfigMap and Secret when new); resolves once the new pod exists. */
  async place(release: DesiredService): Promise<void> {
    const deployment = deploymentNameOf(release);
    // One more than the caller saw (counted now, before any await, with the places still in flight)...
    const inFlight = this.placing.get(deployment) ?? 0;
    const target = this.activePods(release.name, releaseNameOf(release)) + inFlight + 1;
    this.placing.set(deployment, inFlight + 1);
    try {
      const secrets = Object.keys(release.secrets).length > 0 ? await this.deps.secretEnv(release) : {};
      await this.serial.run(deployment, () => this.scaleUpTo(release, target, secrets));
    } finally {
      this.placing.set(deployment, (this.placing.get(deployment) ?? 1) - 1);
    }
  }

  private async scaleUpTo(release: DesiredService, target: number, secrets: Readonly<Record<string, string>>): Promise<void> {
    const deployment = deploymentNameOf(release);
    // ...unless the Deployment already wants that many: its ReplicaSet is replacing a lost pod, which is the new one.
    const wanted = (await this.specReplicas(deployment)) - (this.pendingStops.get(deployment) ?? 0);
    const replicas = Math.max(wanted, target);
    for (const object of releaseObjects({ environment: this.environment, namespace: this.namespace, registry: this.deps.registry, release, replicas, secrets })) {
      await this.client.apply(object);
    }
    this.configHashes.set(deployment, release.configHash);
    const timeoutMs = this.deps.placeTimeoutMs ?? 60_000;
    if (!(await this.pods.waitFor(() => this.closed || this.activePods(release.name, releaseNameOf(release)) >= replicas, timeoutMs))) {
      throw new SkiffError('SKIFF_KUBE_TIMEOUT', `Deployment ${deployment} in namespace "${this.namespace}" did not create its pod ${replicas} within ${timeoutMs} ms`, {
        hint: `look at its events: kubectl -n ${this.namespace} describe deployment ${deployment}`,
      });
    }
  }

  /** Nothing to do: the kubelet restarts a crashed container itself (with its own back-off). */
  async restart(_instanceId: string, _release: DesiredService): Promise<void> {}

  /**
   * `stopping` at once; out of the routing table; then the pod gets the lowest deletion cost, so
   * its ReplicaSet removes exactly it when the Deployment is scaled down by one.
   */
  stopInstance(instanceId: string, reason: StopReason): void {
    const pod = this.pods.pod(instanceId);
    if (!pod || pod.metadata.deletionTimestamp) return;
    const before = this.instanceOf(pod);
    if (before.state === 'stopping') return;
    this.pods.requestStop(instanceId);
    this.context.hooks.instanceChanged(before.service);
    const deployment = releaseObjectName(before.service, before.release);
    this.pendingStops.set(deployment, (this.pendingStops.get(deployment) ?? 0) + 1);
    void (before.state === 'ready' ? this.context.hooks.routesChanged() : Promise.resolve())
      .then(() => this.serial.run(deployment, () => this.scaleDownTo(pod, deployment)))
      .then(
        () => this.emit(before, 'instance.stopping', `stopping ${instanceId} (${reason})`),
        (error: unknown) => {
          this.pods.cancelStop(instanceId);
          this.emit(before, 'instance.stop-failed', `could not stop ${instanceId}: ${(error as Error).message}`);
        },
      );
  }

  async publishRoutes(table: RouteTable): Promise<void> {
    await this.table.write(table);
  }

  async routeTableVersion(): Promise<number | null> {
    return (await this.table.read())?.version ?? null;
  }

  /** Waits until no router replica has a request in flight to the pod (each took it out of its table first). */
  async drain(address: InstanceAddress, timeoutMs: number): Promise<{ drained: boolean; inFlight: number }> {
    return this.routers.drain(address, timeoutMs);
  }

  /** The service's per-release counters, summed over the router replicas. */
  async counters(service: string): Promise<CountersSnapshot> {
    const at = this.deps.clock.now();
    return serviceCounters(await this.routers.metrics(), this.environment, service, at);
  }

  async load(): Promise<ReadonlyMap<string, ServiceLoad>> {
    return serviceLoads(await this.routers.metrics(), this.environment);
  }

  /** No router holds requests yet: resolves with [] when the caller gives up. */
  wakeRequests(signal: AbortSignal): Promise<readonly string[]> {
    return new Promise((resolve) => {
      if (signal.aborted) resolve([]);
      else signal.addEventListener('abort', () => resolve([]), { once: true });
    });
  }

  async dataPlaneMetrics(): Promise<string> {
    return this.routers.metrics();
  }

  async dataPlaneTable(): Promise<RouteTable> {
    return (await this.table.read()) ?? emptyRouteTable;
  }

  async parallelReport(): Promise<ParallelReport> {
    return { routes: [] };
  }

  async resetParallel(): Promise<void> {}

  logSources(): readonly LogSource[] {
    return [];
  }

  async usage(_instanceId: string): Promise<InstanceUsage | null> {
    return null;
  }

  /** Deletes what Skiff made in the namespace (found by its labels), then stops watching; `immediate` does not wait for the pods to go. */
  async shutdown(options?: ShutdownOptions): Promise<void> {
    await this.objects.deleteAll();
    if (!options?.immediate) await this.pods.waitFor(() => this.pods.pods().length === 0, this.deps.placeTimeoutMs ?? 60_000);
    this.closed = true;
    await this.pods.stop();
  }

  detach(): void {
    this.closed = true;
    void this.pods.stop();
  }

  private async scaleDownTo(pod: Pod, deployment: string): Promise<void> {
    try {
      await this.client.mergePatch(kubeResources.Pod, pod.metadata.name, { metadata: { annotations: { [deletionCostAnnotation]: '-1000' } } });
      await this.client.setScale(kubeResources.Deployment, deployment, Math.max(0, (await this.specReplicas(deployment)) - 1));
    } finally {
      this.pendingStops.set(deployment, (this.pendingStops.get(deployment) ?? 1) - 1);
    }
  }

  /** The replicas the release's Deployment asks for; 0 when it does not exist yet. */
  private async specReplicas(deployment: string): Promise<number> {
    try {
      return (await this.client.getScale(kubeResources.Deployment, deployment)).spec.replicas ?? 0;
    } catch (error) {
      if (error instanceof SkiffError && error.code === 'SKIFF_KUBE_NOT_FOUND') return 0;
      throw error;
    }
  }

  /** Pods of the release that count as its replicas: not terminating, not being stopped. */
  private activePods(service: string, release: string): number {
    return this.pods.instances(service).filter((instance) => instance.release === release && instance.state !== 'stopping').length;
  }

  private instanceOf(pod: Pod): ObservedInstance {
    return this.pods.instances(podService(pod)).find((instance) => instance.id === pod.metadata.name) as ObservedInstance;
  }

  private podChanged(event: InformerEvent<Pod>): void {
    if (this.closed) return;
    const service = podService(event.object);
    const bare = (pod: Pod): ObservedInstance => podToInstance(pod, { environment: this.environment, configHash: '', ordinal: 0, stopRequested: false });
    const now = event.type === 'deleted' ? bare(event.object) : this.instanceOf(event.object);
    const previous = event.type === 'updated' ? bare(event.previous).state : event.type === 'deleted' ? now.state : null;
    if (event.type === 'added') this.emit(now, 'instance.started', `pod ${now.id} of ${service} ${podRelease(event.object)} created`);
    if (event.type === 'deleted') this.emit(now, 'instance.stopped', `pod ${now.id} is gone`);
    if (event.type === 'updated' && previous !== now.state && (now.state === 'ready' || now.state === 'crashed')) {
      this.emit(now, now.state === 'ready' ? 'instance.ready' : 'instance.crashed', `${now.id} is ${now.state}${now.reason ? `: ${now.reason}` : ''}`);
    }
    const wasReady = previous === 'ready';
    if (wasReady !== (event.type !== 'deleted' && now.state === 'ready')) void this.context.hooks.routesChanged().catch(() => undefined);
    this.context.hooks.instanceChanged(service);
  }

  private emit(instance: ObservedInstance, type: string, message: string): void {
    this.context.hooks.emit({ type, environment: this.environment, service: instance.service, instance: instance.id, message, data: { state: instance.state } });
  }
}

export function createKubernetesProvider(): ProviderFactory {
  return (context) => {
    throw new SkiffError(
      'SKIFF_NOT_SUPPORTED',
      `environment ${context.environment}: the Kubernetes provider cannot run environments yet`,
      {
        path: `environments.${context.environment}.provider`,
        hint: `write its manifests with \`skiff export ${context.environment} --format kubernetes\` and apply them with kubectl or a GitOps tool, or run the environment with \`provider: local\``,
      },
    );
  };
}
