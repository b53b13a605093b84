/**
 * Places that could not be made because the release's image could not be pushed: each is shown
 * as a crashed instance with the reason (as the local provider shows an instance whose start
 * failed), so status says why and the rollout step waits on it instead of placing again at once.
 * The planner's `restart`, after the back-off, tries the place again.
 */
import type { Clock } from '../../../core/clock.js';
import type { ObservedInstance } from '../../../core/instance.js';
import type { DesiredService } from '../../../spec/desired.js';

/** Far above any pod's ordinal: an unplaced instance is the first to go when the count drops. */
const ordinalBase = 1_000_000;
const firstBackoffMs = 1_000;
const maxBackoffMs = 60_000;

interface Unplaced {
  readonly instance: ObservedInstance;
  readonly release: DesiredService;
}

export class UnplacedInstances {
  private readonly entries = new Map<string, Unplaced>();
  /** Failed places in a row, by Deployment. */
  private readonly failures = new Map<string, number>();
  private nextId = 1;
  private changes = 0;

  constructor(private readonly deps: { readonly environment: string; readonly clock: Clock }) {}

  get version(): number {
    return this.changes;
  }

  add(release: DesiredService, deployment: string, reason: string): ObservedInstance {
    const failures = (this.failures.get(deployment) ?? 0) + 1;
    this.failures.set(deployment, failures);
    const n = this.nextId++;
    const instance: ObservedInstance = {
      id: `${deployment}-unplaced-${n}`,
      environment: this.deps.environment,
      service: release.name,
      release: release.release ?? '',
      configHash: release.configHash,
      state: 'crashed',
      reason,
      restarts: failures - 1,
      ordinal: ordinalBase + n,
      nextStartAt: this.deps.clock.now() + Math.min(firstBackoffMs * 2 ** (failures - 1), maxBackoffMs),
      startedAt: null,
      address: null,
    };
    this.entries.set(instance.id, { instance, release });
    this.changes += 1;
    return instance;
  }

  /** Forgets the instance; the release it was to run, when it was one of these. */
  take(id: string): DesiredService | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    this.entries.delete(id);
    this.changes += 1;
    return entry.release;
  }

  /** A place of the Deployment went through: its back-off starts again from the first delay. */
  placed(deployment: string): void {
    this.failures.delete(deployment);
  }

  instances(service?: string): ObservedInstance[] {
    return [...this.entries.values()].map((entry) => entry.instance).filter((instance) => service === undefined || instance.service === service);
  }
}
