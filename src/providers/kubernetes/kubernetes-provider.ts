/**
 * The `kubernetes` provider: one release = one Deployment in the environment's namespace, pods as
 * instances (watched by an Informer), writes by server-side apply as field manager `skiff`, each
 * release's image pushed to the environment's registry and referenced by digest.
 *
 * The data plane is Skiff's router in the namespace: it follows the routing table this provider
 * keeps in a ConfigMap and the releases' pods in EndpointSlices; drain, counters, load and metrics
 * are read from its replicas' admin ports.
 */
import path from 'node:path';
import { sleep, type Clock } from '../../core/clock.js';
import { SkiffError, type ErrorDetail } from '../../core/errors.js';
import type { InstanceAddress, InstanceUsage, ObservedInstance } from '../../core/instance.js';
import type { ParallelReport } from '../../core/parallel-report.js';
import { emptyRouteTable, type RouteTable } from '../../core/route-table.js';
import type { CountersSnapshot } from '../../reconcile/deployment.js';
import type { StopReason } from '../../reconcile/instance-planner.js';
import type { CommandHandle, CommandLaunch, LogSource, Provider, ProviderCapabilities, ProviderContext, ProviderFactory, ProviderVolumes, RunningCommand, ServiceLoad, SettingsChange, ShutdownOptions } from '../../reconcile/provider.js';
import type { DesiredEnvironment, DesiredService } from '../../spec/desired.js';
import type { EnvironmentSpec } from '../../spec/schema.js';
import { kubernetesNamespace, kubernetesSettings, routerAccessOf, type KubernetesSpec } from '../../spec/schema-kubernetes.js';
import { KubeClient, kubeResources, type InformerEvent, type KubeObject, type KubeconfigDefaults } from './client/index.js';
import { routerDeployment, routerDisruptionBudget, routerService } from './manifests/router.js';
import { releaseObjectName, routerName, routerTableConfigMapName } from './manifests/names.js';
import { planPrune } from './provider/prune-plan.js';
import { podRelease, podService, podToInstance, type Pod } from './provider/pod-instance.js';
import { PodView } from './provider/pod-view.js';
import { deploymentNameOf, releaseNameOf, releaseObjects } from './provider/release-objects.js';
import { RouteTableConfigMap } from './provider/route-table-config-map.js';
import { KeyedSerial } from './provider/keyed-serial.js';
import { ClusterRouters, routerPodAdmins, type RouterAdminLocator } from './provider/cluster-routers.js';
import { RouterWakes } from './provider/router-wakes.js';
import { serviceCounters } from '../local/router-counters.js';
import { serviceLoads } from '../local/router-load.js';
import { SkiffObjects } from './provider/skiff-objects.js';
import { UnplacedInstances } from './provider/unplaced-instances.js';
import { PodUsage } from './provider/pod-usage.js';
import { PodLogFollowers } from './logs/pod-log-followers.js';
import { ReleaseImages, type PublishImage } from './provider/release-images.js';
import { claimVolumes } from './provider/claim-volumes.js';
import { CommandJobs } from './provider/command-jobs.js';
import { skiffEnv } from '../local/instance-record.js';
import { checkRegistryCredentials, type RegistryCredentials } from './images/index.js';
import { registryCredentialsOf, syncPullSecret } from './provider/registry-login.js';
import { clusterConnection, connectionErrors } from './provider/cluster-connection.js';
import { planSettingsChange, type ClusterSettings } from './provider/settings-change.js';
import { DrainedPods } from './provider/drained-pods.js';

export type { PublishImage };

/** What the control plane gives the provider of every kubernetes environment. */
export interface KubernetesProviderFactoryDeps {
  /** Where a relative `kubernetes.kubeconfig` is resolved from: the spec file's directory. */
  readonly specDir: string;
  /** Skiff's data directory: the pods' followed logs are kept under it for the log collector. */
  readonly dataDir: string;
  /** KUBECONFIG and the home directory, from config/ (the only reader of process.env). */
  readonly kubeconfigDefaults: KubeconfigDefaults;
  readonly clock: Clock;
  /** The release's secret values, from Skiff's encrypted store. */
  readonly secretEnv: (release: DesiredService) => Promise<Readonly<Record<string, string>>>;
  readonly publishImage: PublishImage;
  /** How long `place` waits for the new pod to appear (60 s). */
  readonly placeTimeoutMs?: number;
  /** Where the routers' admin ports are: by default the ready router pods at their IP (port 8081). */
  readonly routerAdmins?: RouterAdminLocator;
  /**
   * The router image by digest in the environment's registry (images/router-image.ts: built and
   * pushed once per Skiff build). With it, `start` applies the router's Deployment and disruption
   * budget; without, they are left to whoever applied `skiff export`'s manifests.
   */
  readonly routerImage?: (registry: string, credentials?: RegistryCredentials) => Promise<string>;
  /** SKIFF_REGISTRY_* of `skiff up`'s environment: the passwords `kubernetes.registryCredentials.passwordEnv` names. */
  readonly registryPasswords?: Readonly<Record<string, string>>;
  /**
   * `skiff up --force-conflicts`: server-side apply takes over fields another field manager owns.
   * Without it such a conflict is reported (the place's reason, an event) and nothing is forced.
   */
  readonly forceConflicts?: boolean;
}

/** ...and what the environment's spec says about its cluster. */
export interface KubernetesProviderDeps extends KubernetesProviderFactoryDeps {
  /** The environment's `kubernetes:` settings. */
  readonly settings: KubernetesSpec | undefined;
  /** The environment's `registry:`, where images are pushed and pulled from by digest. */
  readonly registry: string;
}

/** The cluster once `start` reached it: the client and what reads and writes through it. */
interface Cluster {
  readonly client: KubeClient;
  readonly pods: PodView;
  readonly table: RouteTableConfigMap;
  readonly objects: SkiffObjects;
  readonly routers: ClusterRouters;
  readonly wakes: RouterWakes;
  readonly logs: PodLogFollowers;
  readonly usage: PodUsage;
}

const configHashAnnotation = 'skiff.dev/config-hash';
/** Refusals of a release's writes that trying again soon will not change: shown as the place's reason. */
const unappliedCodes: ReadonlySet<string> = new Set(['SKIFF_KUBE_CONFLICT', 'SKIFF_KUBE_FORBIDDEN', 'SKIFF_KUBE_INVALID']);
const deletionCostAnnotation = 'controller.kubernetes.io/pod-deletion-cost';
/** How long a wake poll waits while the cluster is not reached yet. */
const wakeIdleMs = 1000;

export class KubernetesProvider implements Provider {
  readonly kind = 'kubernetes';
  readonly capabilities: ProviderCapabilities = {
    adoptsOnRestart: true,
    resourceLimits: { enforced: true },
    // The routers mirror; the report merges their replicas' counts.
    parallelRuns: true,
    logs: true,
    usage: true,
    retriesStart: true,
    runsFromSource: false,
  };
  private cluster: Cluster | null = null;
  /** Writes to one Deployment run one at a time, so each reads the count the previous one left. */
  private readonly serial = new KeyedSerial();
  private readonly configHashes = new Map<string, string>();
  /** Places called and not finished, by Deployment. */
  private readonly placing = new Map<string, number>();
  /**
   * A count of places begun and ended, and its value at each service's last one: a prune whose
   * lists were read while a place of the service began or ended may have seen some of its objects
   * and not its Deployment, so it prunes nothing of that service.
   */
  private placeActivity = 0;
  private readonly lastPlaceActivity = new Map<string, number>();
  /** Stops asked for whose scale-down has not been written yet, by Deployment. */
  private readonly pendingStops = new Map<string, number>();
  private readonly drained = new DrainedPods();
  /** The service of each Deployment placed or stopped in, for the counts above. */
  private readonly deploymentServices = new Map<string, string>();
  /** The environment's `kubernetes:` and `registry:` as last applied (see `reconfigure`). */
  private settings: ClusterSettings;
  private images: ReleaseImages;
  /** The services' PersistentVolumeClaims: applied with each release, deleted only by `skiff volume delete`. */
  readonly volumes: ProviderVolumes;
  /** `skiff run`, release commands and job runs, each a Job. */
  private readonly commands: CommandJobs;
  /** The Deployments of the releases the desired state runs; null until the first `follow`. */
  private wanted: ReadonlySet<string> | null = null;
  private pruning: Promise<void> = Promise.resolve();
  /** A desired service scales to zero: only then are the routers polled for held requests. */
  private wakeable = false;
  private readonly unplaced: UnplacedInstances;
  private closed = false;
  /** The registry's credentials, once `start` has checked them with the registry. */
  private credentials: RegistryCredentials | undefined;

  constructor(
    private readonly context: ProviderContext,
    private readonly deps: KubernetesProviderDeps,
  ) {
    this.unplaced = new UnplacedInstances({ environment: context.environment, clock: deps.clock });
    this.settings = { kubernetes: deps.settings, registry: deps.registry };
    this.volumes = claimVolumes(() => this.client, this.namespace);
    this.commands = new CommandJobs({
      client: () => this.client,
      environment: context.environment,
      namespace: this.namespace,
      logDir: path.join(deps.dataDir, 'kubernetes', context.environment, 'runs'),
      image: (launch) => this.images.reference(launch.release),
      secretEnv: (launch) => deps.secretEnv(launch.release),
      skiffEnv: (launch) => skiffEnv({ service: launch.release.name, environment: context.environment, release: releaseNameOf(launch.release) }, this.routerUrl),
      apply: (object) => this.client.apply(object, this.applyOptions),
      pullSecret: () => this.credentials !== undefined,
    });
    this.images = this.releaseImages(deps.registry);
  }

  private releaseImages(registry: string): ReleaseImages {
    return new ReleaseImages({
      environment: this.environment,
      registry,
      publish: (release, to) => this.deps.publishImage(release, to, this.credentials),
      emit: this.context.hooks.emit,
    });
  }

  get environment(): string {
    return this.context.environment;
  }

  get namespace(): string {
    return kubernetesNamespace(this.environment, this.settings.kubernetes);
  }

  /** The client of the cluster (the kubeconfig is read on first use). */
  get client(): KubeClient {
    return this.connected().client;
  }

  /** The router's Service in the namespace (nothing answers there until the router runs in the cluster). */
  get routerUrl(): string {
    return `http://${routerName}.${this.namespace}.svc.cluster.local`;
  }

  async start(desired: DesiredEnvironment): Promise<{ dataPlane: 'started' | 'adopted'; detail: string }> {
    this.wakeable = scalesToZero(desired);
    const cluster = this.connected();
    // A namespaced read: it fails with SKIFF_KUBE_NAMESPACE_MISSING naming the namespace, and needs only the Role Skiff's export writes.
    const existing = await cluster.table.read();
    for (const deployment of await cluster.objects.deployments()) {
      const hash = deployment.metadata.annotations?.[configHashAnnotation];
      if (hash) this.configHashes.set(deployment.metadata.name, hash);
    }
    await cluster.pods.start();
    cluster.logs.sync(cluster.pods.pods());
    // Every read passed (so the credentials can watch the namespace), and the router image is in the registry, before anything is written.
    try {
      await this.applyRouter(cluster, () => (existing ? Promise.resolve() : cluster.table.write(emptyRouteTable)));
    } catch (error) {
      await cluster.pods.stop();
      throw error;
    }
    const dataPlane = existing ? 'adopted' : 'started';
    return { dataPlane, detail: `namespace ${this.namespace}: routing table ${dataPlane} (version ${existing?.version ?? 0}), ${cluster.pods.pods().length} pods adopted` };
  }

  /**
   * The router's Service, Deployment and disruption budget as the settings ask. A dry run of the
   * Service first: a namespace that does not exist (reads there find nothing, not an error), a
   * write the token may not make, a field another manager owns, each fails here before the router
   * image is made; `beforeWrites` runs once that passed.
   */
  private async applyRouter(cluster: Cluster, beforeWrites: () => Promise<void>): Promise<void> {
    const { kubernetes, registry } = this.settings;
    const credentials = registryCredentialsOf(kubernetes, registry, this.deps.registryPasswords ?? {});
    const service = routerService(this.environment, this.namespace, kubernetesSettings(kubernetes)) as KubeObject;
    await cluster.client.apply(service, { ...this.applyOptions, dryRun: true });
    // A password the registry refuses is the start's error, before anything is pushed or written.
    if (credentials !== undefined) await checkRegistryCredentials(registry, credentials);
    const routerImage = await this.deps.routerImage?.(registry, credentials);
    await beforeWrites();
    await syncPullSecret({ client: cluster.client, environment: this.environment, registry, credentials, force: this.applyOptions.force });
    this.credentials = credentials;
    await cluster.client.apply(service, this.applyOptions);
    if (routerImage !== undefined) {
      await cluster.client.apply(routerDeployment(this.environment, this.namespace, routerImage, credentials !== undefined) as KubeObject, this.applyOptions);
      await cluster.client.apply(routerDisruptionBudget(this.environment, this.namespace) as KubeObject, this.applyOptions);
    }
  }

  /** A new kubeconfig or context must be readable before the change is saved (the other settings are checked by the schema). */
  checkSettings(next: EnvironmentSpec): readonly ErrorDetail[] {
    const change = planSettingsChange(this.environment, this.settings, clusterSettingsOf(next));
    if (change.kind !== 'replace' || !change.fields.some((field) => field === 'kubeconfig' || field === 'context')) return [];
    return connectionErrors(this.environment, next.kubernetes, this.deps);
  }

  /**
   * Another cluster or namespace is a new provider (this one changes nothing: what it made stays
   * as it is). Other settings are taken here: the router's objects are applied again (Service
   * type, router image in a new registry), the routers' admin ports are reached the new way, and
   * releases placed from now on are pushed to the new registry.
   */
  async reconfigure(next: EnvironmentSpec): Promise<SettingsChange> {
    const settings = clusterSettingsOf(next);
    const change = planSettingsChange(this.environment, this.settings, settings);
    switch (change.kind) {
      case 'unchanged':
        return change;
      case 'replace':
        return { kind: 'replace', detail: `${change.fields.join(', ')} changed: Skiff's objects in namespace ${this.namespace}${change.fields.includes('namespace') ? '' : ' of the former cluster'} are left as they are` };
      case 'in-place': {
        const cluster = this.cluster;
        const before = this.settings;
        this.settings = settings;
        try {
          if (cluster) await this.applyRouter(cluster, () => Promise.resolve());
        } catch (error) {
          this.settings = before;
          throw error;
        }
        if (before.registry !== settings.registry) this.images = this.releaseImages(settings.registry);
        if (cluster && routerAccessOf(before.kubernetes) !== routerAccessOf(settings.kubernetes)) {
          cluster.wakes.close();
          const routers = this.clusterRouters(cluster.client);
          this.cluster = { ...cluster, routers, wakes: new RouterWakes(routers) };
        }
        return { kind: 'applied', detail: `${change.fields.join(', ')} applied in namespace ${this.namespace}` };
      }
    }
  }

  private get applyOptions(): { readonly force: boolean } {
    return { force: this.deps.forceConflicts === true };
  }

  /** The kubeconfig is read on first use (in `start`), not when the provider is made: a bad one is the start's error (reported, retried), not the refusal of a change. */
  private connect(): Cluster {
    const connection = clusterConnection(this.settings.kubernetes, this.deps);
    const client = new KubeClient(connection, { namespace: this.namespace });
    const routers = this.clusterRouters(client);
    return {
      client,
      table: new RouteTableConfigMap(client, this.environment),
      objects: new SkiffObjects(client, this.environment),
      routers,
      wakes: new RouterWakes(routers),
      usage: new PodUsage({ client, clock: this.deps.clock }),
      logs: new PodLogFollowers({ client, environment: this.environment, dir: path.join(this.deps.dataDir, 'kubernetes', this.environment, 'pod-logs'), clock: this.deps.clock }),
      pods: new PodView({
        client,
        environment: this.environment,
        configHash: (deployment) => this.configHashes.get(deployment) ?? '',
        onChange: (event) => this.podChanged(event),
      }),
    };
  }

  private clusterRouters(client: KubeClient): ClusterRouters {
    return new ClusterRouters(this.deps.routerAdmins ?? routerPodAdmins(client, routerAccessOf(this.settings.kubernetes)), client.namespace);
  }

  private connected(): Cluster {
    this.cluster ??= this.connect();
    return this.cluster;
  }

  follow(desired: DesiredEnvironment): void {
    this.wakeable = scalesToZero(desired);
    this.wanted = new Set(desired.services.flatMap((service) => (service.release === null ? [] : [deploymentNameOf(service)])));
    this.prune();
  }

  observed(service?: string): readonly ObservedInstance[] {
    const unplaced = this.unplaced.instances(service);
    const pods = this.podInstances(service);
    return unplaced.length === 0 ? pods : [...pods, ...unplaced];
  }

  observedVersion(): number {
    return (this.cluster?.pods.version ?? 0) + this.unplaced.version;
  }

  private podInstances(service?: string): ObservedInstance[] {
    return this.cluster?.pods.instances(service) ?? [];
  }

  /**
   * One more replica of the release's Deployment (created with its ConfigMap and Secret when new);
   * resolves once the new pod exists. The release's image is pushed first: when that fails
   * (SKIFF_IMAGE_PUSH_FAILED, SKIFF_REGISTRY_UNREACHABLE…) nothing is applied, and the place is a
   * crashed instance with the reason, tried again by `restart` after its back-off.
   */
  async place(release: DesiredService): Promise<void> {
    const deployment = deploymentNameOf(release);
    // One more than the caller saw (counted now, before any await, with the places still in flight)...
    const inFlight = this.placing.get(deployment) ?? 0;
    this.deploymentServices.set(deployment, release.name);
    this.lastPlaceActivity.set(release.name, ++this.placeActivity);
    const target = this.activePods(release.name, releaseNameOf(release)) + inFlight + 1;
    this.placing.set(deployment, inFlight + 1);
    try {
      let image: string;
      try {
        image = await this.images.reference(release);
      } catch (error) {
        const coded = error instanceof SkiffError ? ` [${error.code}]` : '';
        this.unplace(release, deployment, `its image could not be pushed: ${(error as Error).message}${coded}`);
        return;
      }
      this.unplaced.placed(deployment);
      const secrets = Object.keys(release.secrets).length > 0 ? await this.deps.secretEnv(release) : {};
      try {
        await this.serial.run(deployment, () => this.scaleUpTo(release, image, target, secrets));
      } catch (error) {
        if (!(error instanceof SkiffError) || !unappliedCodes.has(error.code)) throw error;
        // The cluster refused a write (a field another manager owns, a verb the token lacks): the
        // reason shows in status, and the place is tried again after its back-off.
        const reason = `its objects could not be applied: ${error.message} [${error.code}]${error.hint ? ` (${error.hint})` : ''}`;
        this.context.hooks.emit({ type: 'release.apply-failed', environment: this.environment, service: release.name, message: `${deployment}: ${reason}` });
        this.unplace(release, deployment, reason);
      }
    } finally {
      this.placing.set(deployment, (this.placing.get(deployment) ?? 1) - 1);
      this.lastPlaceActivity.set(release.name, ++this.placeActivity);
    }
  }

  /** A place that did not happen: a crashed instance with the reason, placed again by `restart` after its back-off. */
  private unplace(release: DesiredService, deployment: string, reason: string): void {
    this.unplaced.add(release, deployment, reason);
    this.context.hooks.instanceChanged(release.name);
  }

  private async scaleUpTo(release: DesiredService, image: string, target: number, secrets: Readonly<Record<string, string>>): Promise<void> {
    const { client, pods } = this.connected();
    const deployment = deploymentNameOf(release);
    // ...unless the Deployment already wants that many: its ReplicaSet is replacing a lost pod, which is the new one.
    const wanted = (await this.specReplicas(deployment)) - (this.pendingStops.get(deployment) ?? 0);
    const replicas = Math.max(wanted, target);
    for (const object of releaseObjects({ environment: this.environment, namespace: this.namespace, image, release, replicas, secrets, pullSecret: this.credentials !== undefined })) {
      await client.apply(object, this.applyOptions);
    }
    this.configHashes.set(deployment, release.configHash);
    const timeoutMs = this.deps.placeTimeoutMs ?? 60_000;
    if (!(await pods.waitFor(() => this.closed || this.activePods(release.name, releaseNameOf(release)) >= replicas, timeoutMs))) {
      throw new SkiffError('SKIFF_KUBE_TIMEOUT', `Deployment ${deployment} in namespace "${this.namespace}" did not create its pod ${replicas} within ${timeoutMs} ms`, {
        hint: `look at its events: kubectl -n ${this.namespace} describe deployment ${deployment}`,
      });
    }
  }

  /** A place that could not be made is tried again; a pod's crashed container the kubelet restarts itself (with its own back-off). */
  async restart(instanceId: string, release: DesiredService): Promise<void> {
    if (this.unplaced.take(instanceId)) await this.place(release);
  }

  /**
   * `stopping` at once; out of the routing table; then the pod gets the lowest deletion cost, so
   * its ReplicaSet removes exactly it when the Deployment is scaled down by one.
   */
  stopInstance(instanceId: string, reason: StopReason): void {
    const unplaced = this.unplaced.take(instanceId);
    if (unplaced) {
      this.context.hooks.instanceChanged(unplaced.name);
      return;
    }
    const pods = this.cluster?.pods;
    const pod = pods?.pod(instanceId);
    if (!pods || !pod || pod.metadata.deletionTimestamp) return;
    const before = this.instanceOf(pod);
    if (before.state === 'stopping') return;
    pods.requestStop(instanceId);
    this.context.hooks.instanceChanged(before.service);
    const deployment = releaseObjectName(before.service, before.release);
    this.deploymentServices.set(deployment, before.service);
    this.pendingStops.set(deployment, (this.pendingStops.get(deployment) ?? 0) + 1);
    void (before.state === 'ready' ? this.context.hooks.routesChanged() : Promise.resolve())
      .then(() => this.serial.run(deployment, () => this.scaleDownTo(pod, deployment)))
      .then(
        () => this.emit(before, 'instance.stopping', `stopping ${instanceId} (${reason})`),
        (error: unknown) => {
          pods.cancelStop(instanceId);
          this.emit(before, 'instance.stop-failed', `could not stop ${instanceId}: ${(error as Error).message}`);
        },
      );
  }

  /** A run as a Job of one pod with the release's image, config, secrets and volumes; its output is the pod's log. */
  startCommand(launch: CommandLaunch): Promise<RunningCommand> {
    return this.commands.start(launch);
  }

  recoverCommand(handle: CommandHandle): Promise<RunningCommand | null> {
    return this.commands.recover(handle);
  }

  async publishRoutes(table: RouteTable): Promise<void> {
    await this.connected().table.write(table);
  }

  /** Null when the cluster does not answer, as the seam asks (callers poll it in the background). */
  async routeTableVersion(): Promise<number | null> {
    try {
      return (await this.cluster?.table.read())?.version ?? null;
    } catch {
      return null;
    }
  }

  /** Waits until no router replica has a request in flight to the pod (each took it out of its table first). */
  async drain(address: InstanceAddress, timeoutMs: number): Promise<{ drained: boolean; inFlight: number }> {
    return this.connected().routers.drain(address, timeoutMs);
  }

  /** The service's per-release counters, summed over the router replicas. */
  async counters(service: string): Promise<CountersSnapshot> {
    const at = this.deps.clock.now();
    return serviceCounters(await this.connected().routers.metrics(), this.environment, service, at);
  }

  async load(): Promise<ReadonlyMap<string, ServiceLoad>> {
    return serviceLoads(await this.connected().routers.metrics(), this.environment);
  }

  /** The services the router replicas hold requests for at zero instances (a long poll of each replica's admin port). */
  async wakeRequests(signal: AbortSignal): Promise<readonly string[]> {
    const cluster = this.cluster;
    if (cluster && !this.closed && this.wakeable) return cluster.wakes.take(signal);
    // Not started yet (a start being tried again), stopped, or no service that scales to zero (no poll of the routers then): the caller asks again.
    await sleep(wakeIdleMs, signal);
    return [];
  }

  async dataPlaneMetrics(): Promise<string> {
    return this.connected().routers.metrics();
  }

  async dataPlaneTable(): Promise<RouteTable> {
    return (await this.cluster?.table.read()) ?? emptyRouteTable;
  }

  async parallelReport(): Promise<ParallelReport> {
    return this.connected().routers.parallelReport();
  }

  async resetParallel(): Promise<void> {
    await this.connected().routers.resetParallel();
  }

  logSources(): readonly LogSource[] {
    return this.cluster?.logs.sources() ?? [];
  }

  /** From metrics-server's PodMetrics (the instance is its pod); null while it has none, or when the cluster has no metrics-server. */
  async usage(instanceId: string): Promise<InstanceUsage | null> {
    return (await this.cluster?.usage.usage(instanceId).catch(() => null)) ?? null;
  }

  usageUnavailable(): string | null {
    return this.cluster?.usage.unavailable() ?? null;
  }

  /** Deletes what Skiff made in the namespace (found by its labels), then stops watching; `immediate` does not wait for the pods to go. */
  async shutdown(options?: ShutdownOptions): Promise<void> {
    const cluster = this.cluster;
    this.wanted = null;
    await this.pruning;
    if (cluster) {
      await cluster.objects.deleteAll();
      if (!options?.immediate) await cluster.pods.waitFor(() => cluster.pods.pods().length === 0, this.deps.placeTimeoutMs ?? 60_000);
    }
    this.closed = true;
    cluster?.wakes.close();
    this.commands.close();
    await cluster?.logs.stop();
    await cluster?.pods.stop();
  }

  detach(): void {
    this.closed = true;
    this.cluster?.wakes.close();
    this.commands.close();
    void this.cluster?.logs.stop();
    void this.cluster?.pods.stop();
  }

  /**
   * Deletes the objects of releases no longer desired once none of their pods is wanted (see
   * `planPrune`); one prune at a time, after the desired state changes and after a pod is gone.
   */
  private prune(): void {
    this.pruning = this.pruning.then(async () => {
      const cluster = this.cluster;
      const wanted = this.wanted;
      if (!cluster || !wanted || this.closed) return;
      // The lists are read one after the other, while places go on (see `lastPlaceActivity`).
      const listedAfter = this.placeActivity;
      try {
        const pruned = await cluster.objects.prune((found) =>
          planPrune({ ...found, pods: cluster.pods.pods(), wanted, busyServices: this.busyServices(listedAfter), keep: new Set([routerTableConfigMapName]) }),
        );
        if (pruned.length > 0) this.context.hooks.emit({ type: 'kubernetes.pruned', environment: this.environment, message: `deleted what no desired release uses: ${pruned.join(', ')}` });
      } catch (error) {
        this.context.hooks.emit({ type: 'kubernetes.prune-failed', environment: this.environment, message: `could not delete what no desired release uses: ${(error as Error).message}` });
      }
    });
  }

  /** Services with a place or a stop under way, or a place begun or ended after `since`: their objects are not pruned now. */
  private busyServices(since: number): Set<string> {
    const busy = new Set<string>();
    for (const [service, activity] of this.lastPlaceActivity) if (activity > since) busy.add(service);
    for (const pods of this.cluster?.pods.instances() ?? []) if (pods.state === 'stopping') busy.add(pods.service);
    for (const [deployment, count] of [...this.placing, ...this.pendingStops]) {
      if (count > 0) busy.add(this.serviceOfDeployment(deployment));
    }
    return busy;
  }

  private serviceOfDeployment(deployment: string): string {
    return this.deploymentServices.get(deployment) ?? '';
  }

  private async scaleDownTo(pod: Pod, deployment: string): Promise<void> {
    const { client } = this.connected();
    try {
      await client.mergePatch(kubeResources.Pod, pod.metadata.name, { metadata: { annotations: { [deletionCostAnnotation]: '-1000' } } });
      // Before the write: the ReplicaSet may act (and its pod's deletion be seen) before it returns.
      this.drained.add(pod.metadata.name, deployment);
      await client.setScale(kubeResources.Deployment, deployment, Math.max(0, (await this.specReplicas(deployment)) - 1));
    } catch (error) {
      this.drained.remove(pod.metadata.name);
      throw error;
    } finally {
      this.pendingStops.set(deployment, (this.pendingStops.get(deployment) ?? 1) - 1);
    }
  }

  /** The replicas the release's Deployment asks for; 0 when it does not exist yet. */
  private async specReplicas(deployment: string): Promise<number> {
    try {
      return (await this.connected().client.getScale(kubeResources.Deployment, deployment)).spec.replicas ?? 0;
    } catch (error) {
      if (error instanceof SkiffError && error.code === 'SKIFF_KUBE_NOT_FOUND') return 0;
      throw error;
    }
  }

  /** Pods of the release that count as its replicas: not terminating, not being stopped. */
  private activePods(service: string, release: string): number {
    return this.podInstances(service).filter((instance) => instance.release === release && instance.state !== 'stopping').length;
  }

  private instanceOf(pod: Pod): ObservedInstance {
    return this.podInstances(podService(pod)).find((instance) => instance.id === pod.metadata.name) as ObservedInstance;
  }

  private podChanged(event: InformerEvent<Pod>): void {
    if (this.closed) return;
    this.cluster?.logs.sync(this.cluster.pods.pods());
    const service = podService(event.object);
    const bare = (pod: Pod): ObservedInstance => podToInstance(pod, { environment: this.environment, configHash: '', ordinal: 0, stopRequested: false });
    const now = event.type === 'deleted' ? bare(event.object) : this.instanceOf(event.object);
    const previous = event.type === 'updated' ? bare(event.previous).state : event.type === 'deleted' ? now.state : null;
    if (event.type === 'added') this.emit(now, 'instance.started', `pod ${now.id} of ${service} ${podRelease(event.object)} created`);
    if (event.type === 'deleted') {
      this.emit(now, 'instance.stopped', `pod ${now.id} is gone`);
      this.prune();
    }
    if (event.type === 'deleted' || event.object.metadata.deletionTimestamp) this.deleteDrainedLeftBy(event.object);
    if (event.type === 'deleted') this.drained.remove(event.object.metadata.name);
    if (event.type === 'updated' && previous !== now.state && (now.state === 'ready' || now.state === 'crashed')) {
      this.emit(now, now.state === 'ready' ? 'instance.ready' : 'instance.crashed', `${now.id} is ${now.state}${now.reason ? `: ${now.reason}` : ''}`);
    }
    const wasReady = previous === 'ready';
    if (wasReady !== (event.type !== 'deleted' && now.state === 'ready')) void this.context.hooks.routesChanged().catch(() => undefined);
    this.context.hooks.instanceChanged(service);
  }

  /** The ReplicaSet removed `gone` where a stop asked for a drained pod: that one is deleted directly (the ReplicaSet then replaces `gone`). */
  private deleteDrainedLeftBy(gone: Pod): void {
    const cluster = this.cluster;
    if (!cluster) return;
    const deployment = releaseObjectName(podService(gone), podRelease(gone));
    const running = (name: string): boolean => {
      const pod = cluster.pods.pod(name);
      return pod !== undefined && !pod.metadata.deletionTimestamp;
    };
    for (const name of this.drained.terminating(gone.metadata.name, deployment, running)) {
      const instance = this.instanceOf(cluster.pods.pod(name) as Pod);
      this.emit(instance, 'instance.stop-redirected', `the ReplicaSet of ${deployment} removed ${gone.metadata.name} instead of the drained ${name}: deleting ${name} directly`);
      void cluster.client.delete(kubeResources.Pod, name).catch((error: unknown) => {
        this.emit(instance, 'instance.stop-failed', `could not delete ${name}: ${(error as Error).message}`);
      });
    }
  }

  private emit(instance: ObservedInstance, type: string, message: string): void {
    this.context.hooks.emit({ type, environment: this.environment, service: instance.service, instance: instance.id, message, data: { state: instance.state } });
  }
}

function scalesToZero(desired: DesiredEnvironment): boolean {
  return desired.services.some((service) => service.release !== null && service.autoscale?.min === 0);
}

function clusterSettingsOf(spec: EnvironmentSpec): ClusterSettings {
  return { kubernetes: spec.kubernetes, registry: spec.registry ?? '' };
}

/** The provider of every `provider: kubernetes` environment, with the environment's own `kubernetes:` and `registry:`. */
export function createKubernetesProvider(deps: KubernetesProviderFactoryDeps): ProviderFactory {
  return (context) => new KubernetesProvider(context, { ...deps, settings: context.spec?.kubernetes, registry: context.spec?.registry ?? '' });
}
