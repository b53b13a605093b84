/** The environments running on this machine, each started the first time a revision names it. */
import type { RolloutIntent } from '../providers/local/rollout-controller.js';
import type { DesiredEnvironment } from '../spec/desired.js';
import type { Revision } from '../store/state-store.js';
import { EnvironmentRuntime } from './environment-runtime.js';
import type { EnvironmentRuntimeOptions } from './environment-runtime.js';

export interface EnvironmentRegistryOptions {
  /** The environment of `skiff up`: its router listens on `routerPort`. */
  readonly mainEnvironment: string;
  readonly routerPort: number;
  readonly runtime: Omit<EnvironmentRuntimeOptions, 'name' | 'routerPort'>;
}

export class EnvironmentRegistry {
  private readonly runtimes = new Map<string, EnvironmentRuntime>();
  private readonly starting = new Map<string, Promise<EnvironmentRuntime>>();

  constructor(private readonly options: EnvironmentRegistryOptions) {}

  get(environment: string): EnvironmentRuntime | undefined {
    return this.runtimes.get(environment);
  }

  all(): EnvironmentRuntime[] {
    return [...this.runtimes.values()];
  }

  /**
   * Makes the environment follow `desired`, starting its runtime first when new (router adopted
   * or launched, instances adopted) so the router never sees a table without the desired routes.
   */
  async follow(environment: string, revision: Revision, desired: DesiredEnvironment, intent?: RolloutIntent): Promise<void> {
    const existing = this.runtimes.get(environment);
    if (existing) {
      existing.setDesired(desired, intent);
      return;
    }
    // Nothing deployed there yet: no router or supervisor to run until something is.
    if (desired.services.every((service) => service.release === null)) return;
    const runtime = await this.start(environment, revision, desired);
    runtime.setDesired(desired, intent);
  }

  private start(environment: string, revision: Revision, desired: DesiredEnvironment): Promise<EnvironmentRuntime> {
    let starting = this.starting.get(environment);
    if (!starting) {
      starting = (async () => {
        const runtime = new EnvironmentRuntime({
          ...this.options.runtime,
          name: environment,
          routerPort: this.routerPortFor(environment, revision),
        });
        await runtime.start(desired);
        this.runtimes.set(environment, runtime);
        return runtime;
      })();
      this.starting.set(environment, starting);
      starting.finally(() => this.starting.delete(environment)).catch(() => undefined);
    }
    return starting;
  }

  /** The main environment's router takes the given port; the others theirs, or the next ones in file order. */
  routerPortFor(environment: string, revision: Revision): number {
    if (environment === this.options.mainEnvironment) return this.options.routerPort;
    const declared = revision.spec.environments[environment]?.routerPort;
    if (declared !== undefined) return declared;
    const others = Object.keys(revision.spec.environments).filter((name) => name !== this.options.mainEnvironment);
    return this.options.routerPort + 1 + others.indexOf(environment);
  }

  /** The router URL of an environment, whether or not its router runs yet. */
  routerUrlFor(environment: string, revision: Revision): string {
    return `http://${this.options.runtime.routerHost}:${this.routerPortFor(environment, revision)}`;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.all().map((runtime) => runtime.stop()));
  }
}
