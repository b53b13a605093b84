/**
 * The environments the control plane runs, each started the first time a revision names it, on
 * the provider its `provider:` names.
 */
import type { EnvironmentControllerDeps } from '../reconcile/environment-controller.js';
import { EnvironmentController } from '../reconcile/environment-controller.js';
import type { SettingsChange, ShutdownOptions } from '../reconcile/provider.js';
import type { RolloutIntent } from '../reconcile/rollout-controller.js';
import type { ProviderFactories } from '../providers/registry.js';
import type { DesiredEnvironment } from '../spec/desired.js';
import type { EnvironmentSpec, ProviderKind, Spec } from '../spec/schema.js';
import type { ListenAddress } from '../core/listen-address.js';
import type { Revision } from '../store/state-store.js';
import { isSkiffError, type ErrorDetail } from '../core/errors.js';
import type { AcmeEnvironments } from './acme-environments.js';
import { mergeRouteTls } from '../edge/merge-route-tls.js';
import { UnavailableEnvironments, type EnvironmentUnavailable } from './unavailable-environments.js';

export interface EnvironmentRegistryOptions {
  /** The environment of `skiff up`: its router listens on `routerPort`. */
  readonly mainEnvironment: string;
  readonly routerPort: number;
  /** The address the routers listen on, for the URLs of environments not started yet. */
  readonly routerHost: string;
  /** `skiff up --router-listen`: the main environment's router addresses, in place of its spec's `router.listen`. */
  readonly mainRouterListen?: readonly ListenAddress[];
  readonly providers: ProviderFactories;
  readonly controller: Omit<EnvironmentControllerDeps, 'environment' | 'routerPort' | 'createProvider'>;
  /** Certificates over ACME for the routes that ask for them. */
  readonly acme?: AcmeEnvironments;
}

export class EnvironmentRegistry {
  private readonly controllers = new Map<string, EnvironmentController>();
  private readonly starting = new Map<string, Promise<EnvironmentController>>();
  /** Created by `prepare` and not started yet. */
  private readonly prepared = new Map<string, { readonly kind: ProviderKind; readonly routerPort: number; readonly controller: EnvironmentController }>();
  /** Started and not running yet. */
  private readonly launching = new Map<string, EnvironmentController>();
  /** Whether the provider of an environment whose start failed retries its start. */
  private readonly failedProviders = new Map<string, boolean>();
  private readonly unavailable: UnavailableEnvironments;

  constructor(private readonly options: EnvironmentRegistryOptions) {
    this.unavailable = new UnavailableEnvironments({ emit: options.controller.emit, now: () => options.controller.clock.now() });
  }

  get(environment: string): EnvironmentController | undefined {
    return this.controllers.get(environment);
  }

  all(): EnvironmentController[] {
    return [...this.controllers.values()];
  }

  /**
   * Makes the environment follow `desired`, starting it first when new (data plane adopted or
   * launched, instances adopted) so the data plane never sees a table without the desired routes.
   */
  async follow(environment: string, revision: Revision, desired: DesiredEnvironment, intent?: RolloutIntent): Promise<void> {
    let controller = this.controllers.get(environment);
    const started = controller === undefined;
    if (!controller) {
      // Nothing deployed there yet: no data plane or instances to run until something is.
      if (desired.services.every((service) => service.release === null)) return;
      this.unavailable.retryWith(environment, () => this.follow(environment, revision, desired, intent));
      try {
        controller = await this.start(environment, revision, desired);
      } catch (error) {
        // A cluster that cannot be reached (or refuses) now may answer later: the environment is
        // reported unavailable and tried again, and the other environments go on.
        if (!isSkiffError(error) || !this.retriesStart(environment)) throw error;
        this.unavailable.failed(environment, error);
        return;
      }
      this.unavailable.recovered(environment);
    } else {
      this.options.acme?.follow(environment, desired);
    }
    // A start shared with an earlier revision's follow ran on that revision's settings.
    if ((await this.reconfigure(controller, revision.spec)) === 'detached') return this.follow(environment, revision, desired, intent);
    controller.setDesired(desired, intent);
    if (started) this.options.acme?.activate(environment);
  }

  /**
   * Gives a running environment's provider its settings as the revision has them: taken in place,
   * or (another cluster or namespace) the environment is detached from the old provider, which
   * leaves what it runs as it is, to be started again on a new one.
   */
  private async reconfigure(controller: EnvironmentController, spec: Spec): Promise<'kept' | 'detached'> {
    const environment = controller.environment;
    const next = this.settingsOf(environment, spec);
    if (next === undefined || controller.provider.reconfigure === undefined) return 'kept';
    const emit = this.options.controller.emit;
    let change: SettingsChange;
    try {
      change = await controller.provider.reconfigure(next);
    } catch (error) {
      // The environment runs on as it was; the next apply tries the change again.
      const coded = isSkiffError(error) ? ` [${error.code}]` : '';
      emit({ type: 'environment.reconfigure-failed', environment, message: `the new settings could not be applied, it runs on the former ones: ${(error as Error).message}${coded}` });
      return 'kept';
    }
    switch (change.kind) {
      case 'unchanged':
        return 'kept';
      case 'applied':
        emit({ type: 'environment.reconfigured', environment, message: change.detail });
        return 'kept';
      case 'replace':
        this.controllers.delete(environment);
        await controller.detach();
        emit({ type: 'environment.reconfigured', environment, message: `${change.detail}; starting it on the new settings` });
        return 'detached';
    }
  }

  /** Whether the environment's provider runs releases from their source directory (else they are built first). */
  runsFromSource(environment: string, spec: Spec): boolean {
    this.prepare(environment, spec);
    const controller = this.controllers.get(environment) ?? this.prepared.get(environment)?.controller;
    return controller?.provider.capabilities.runsFromSource ?? true;
  }

  /** Why the settings a spec gives running environments cannot be taken (see `Provider.checkSettings`). */
  settingsErrors(spec: Spec): ErrorDetail[] {
    return [...this.all(), ...this.launching.values()].flatMap((controller) => {
      const next = this.settingsOf(controller.environment, spec);
      return next === undefined ? [] : [...(controller.provider.checkSettings?.(next) ?? [])];
    });
  }

  /** Why an environment that should run does not (its provider's start failed), or null. */
  unavailability(environment: string): EnvironmentUnavailable | null {
    return this.unavailable.of(environment);
  }

  /** Grows whenever an environment becomes unavailable or available again. */
  get availabilityVersion(): number {
    return this.unavailable.version;
  }

  private retriesStart(environment: string): boolean {
    return this.failedProviders.get(environment) ?? false;
  }

  /**
   * Creates the controller and provider of an environment that does not run yet, without starting
   * them: a provider that cannot run the environment refuses here, before a revision or release
   * that needs it is saved.
   */
  prepare(environment: string, spec: Spec): void {
    if (this.controllers.has(environment) || this.starting.has(environment)) return;
    const kind = spec.environments[environment]?.provider ?? 'local';
    const routerPort = this.routerPortFor(environment, { spec });
    const prepared = this.prepared.get(environment);
    if (prepared?.kind === kind && prepared.routerPort === routerPort) return;
    const createProvider = this.options.providers[kind];
    const settings = this.settingsOf(environment, spec);
    const acme = this.options.acme;
    const fileTls = this.options.controller.tls;
    const controller = new EnvironmentController({
      ...this.options.controller,
      environment,
      routerPort,
      createProvider: (context) => createProvider(settings ? { ...context, spec: settings } : context),
      ...(acme ? { tls: () => mergeRouteTls(fileTls?.(), acme.tls(environment)) } : {}),
    });
    acme?.attach(environment, () => controller.publish());
    this.prepared.set(environment, { kind, routerPort, controller });
  }

  private start(environment: string, revision: Revision, desired: DesiredEnvironment): Promise<EnvironmentController> {
    let starting = this.starting.get(environment);
    if (!starting) {
      starting = (async () => {
        this.prepare(environment, revision.spec);
        const { controller } = this.prepared.get(environment) as { controller: EnvironmentController };
        this.prepared.delete(environment);
        this.options.acme?.follow(environment, desired);
        this.launching.set(environment, controller);
        try {
          await controller.start(desired);
        } catch (error) {
          this.failedProviders.set(environment, controller.provider.capabilities.retriesStart ?? false);
          await controller.detach().catch(() => undefined);
          throw error;
        } finally {
          this.launching.delete(environment);
        }
        this.controllers.set(environment, controller);
        return controller;
      })();
      this.starting.set(environment, starting);
      starting.finally(() => this.starting.delete(environment)).catch(() => undefined);
    }
    return starting;
  }

  /** The environment's spec section, with the main environment's `--router-listen` in place of its `router`. */
  private settingsOf(environment: string, spec: Spec): EnvironmentSpec | undefined {
    const settings = spec.environments[environment];
    const listen = this.options.mainRouterListen;
    if (settings === undefined || environment !== this.options.mainEnvironment || listen === undefined) return settings;
    return { ...settings, router: { listen: [...listen] } };
  }

  /**
   * The plain port of the environment's `router.listen` when it has one; else the main
   * environment's router takes the given port, the others theirs, or the next ones in file order.
   */
  routerPortFor(environment: string, revision: Pick<Revision, 'spec'>): number {
    const plain = this.settingsOf(environment, revision.spec)?.router?.listen.find((address) => !address.tls);
    if (plain !== undefined) return plain.port;
    if (environment === this.options.mainEnvironment) return this.options.routerPort;
    const declared = revision.spec.environments[environment]?.routerPort;
    if (declared !== undefined) return declared;
    const others = Object.keys(revision.spec.environments).filter((name) => name !== this.options.mainEnvironment);
    return this.options.routerPort + 1 + others.indexOf(environment);
  }

  /** The router URL of an environment, whether or not it runs yet. */
  routerUrlFor(environment: string, revision: Revision): string {
    return this.controllers.get(environment)?.routerUrl ?? `http://${this.options.routerHost}:${this.routerPortFor(environment, revision)}`;
  }

  /**
   * Stops one environment the desired state no longer has (a deleted preview): its instances, then
   * its data plane, so its router port is free again. One still starting is stopped once started.
   */
  async stop(environment: string): Promise<void> {
    await this.starting.get(environment)?.catch(() => undefined);
    const controller = this.controllers.get(environment);
    if (!controller) return;
    this.controllers.delete(environment);
    await controller.shutdown();
  }

  /** Stops every environment: its instances, then its data plane. */
  async stopAll(options?: ShutdownOptions): Promise<void> {
    this.unavailable.close();
    this.options.acme?.close();
    await Promise.all(this.all().map((controller) => controller.shutdown(options)));
  }

  /** Leaves every environment running for the next control plane to adopt. */
  async detachAll(): Promise<void> {
    this.unavailable.close();
    this.options.acme?.close();
    await Promise.all(this.all().map((controller) => controller.detach()));
  }
}
