/**
 * The environments the control plane runs, each started the first time a revision names it, on
 * the provider its `provider:` names.
 */
import type { EnvironmentControllerDeps } from '../reconcile/environment-controller.js';
import { EnvironmentController } from '../reconcile/environment-controller.js';
import type { ShutdownOptions } from '../reconcile/provider.js';
import type { RolloutIntent } from '../reconcile/rollout-controller.js';
import type { ProviderFactories } from '../providers/registry.js';
import type { DesiredEnvironment } from '../spec/desired.js';
import type { ProviderKind, Spec } from '../spec/schema.js';
import type { Revision } from '../store/state-store.js';

export interface EnvironmentRegistryOptions {
  /** The environment of `skiff up`: its router listens on `routerPort`. */
  readonly mainEnvironment: string;
  readonly routerPort: number;
  /** The address the routers listen on, for the URLs of environments not started yet. */
  readonly routerHost: string;
  readonly providers: ProviderFactories;
  readonly controller: Omit<EnvironmentControllerDeps, 'environment' | 'routerPort' | 'createProvider'>;
}

export class EnvironmentRegistry {
  private readonly controllers = new Map<string, EnvironmentController>();
  private readonly starting = new Map<string, Promise<EnvironmentController>>();
  /** Created by `prepare` and not started yet. */
  private readonly prepared = new Map<string, { readonly kind: ProviderKind; readonly routerPort: number; readonly controller: EnvironmentController }>();

  constructor(private readonly options: EnvironmentRegistryOptions) {}

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
    const existing = this.controllers.get(environment);
    if (existing) {
      existing.setDesired(desired, intent);
      return;
    }
    // Nothing deployed there yet: no data plane or instances to run until something is.
    if (desired.services.every((service) => service.release === null)) return;
    const controller = await this.start(environment, revision, desired);
    controller.setDesired(desired, intent);
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
    const controller = new EnvironmentController({ ...this.options.controller, environment, routerPort, createProvider: this.options.providers[kind] });
    this.prepared.set(environment, { kind, routerPort, controller });
  }

  private start(environment: string, revision: Revision, desired: DesiredEnvironment): Promise<EnvironmentController> {
    let starting = this.starting.get(environment);
    if (!starting) {
      starting = (async () => {
        this.prepare(environment, revision.spec);
        const { controller } = this.prepared.get(environment) as { controller: EnvironmentController };
        this.prepared.delete(environment);
        await controller.start(desired);
        this.controllers.set(environment, controller);
        return controller;
      })();
      this.starting.set(environment, starting);
      starting.finally(() => this.starting.delete(environment)).catch(() => undefined);
    }
    return starting;
  }

  /** The main environment's router takes the given port; the others theirs, or the next ones in file order. */
  routerPortFor(environment: string, revision: Pick<Revision, 'spec'>): number {
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

  /** Stops every environment: its instances, then its data plane. */
  async stopAll(options?: ShutdownOptions): Promise<void> {
    await Promise.all(this.all().map((controller) => controller.shutdown(options)));
  }

  /** Leaves every environment running for the next control plane to adopt. */
  async detachAll(): Promise<void> {
    await Promise.all(this.all().map((controller) => controller.detach()));
  }
}
