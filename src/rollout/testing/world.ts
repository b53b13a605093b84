/**
 * A tiny stand-in for the executor and the supervisor in tests: applies a plan's starts and
 * drains to a list of observed instances, and lets a test change instance states by hand.
 */
import type { StrategySpec } from '../../spec/schema.js';
import { planRollout } from '../registry.js';
import type { InstanceState, RolloutInstance, RolloutCursor, RolloutInput, RolloutPlan, RolloutRequests, StepVerdict } from '../strategy.js';
import { initialCursor, noRequests } from '../strategy.js';

export interface WorldOptions {
  readonly strategy: StrategySpec;
  readonly desired: number;
  readonly stable?: string;
  readonly next: string;
  /** Ready instances of the stable release at the start (default: desired). */
  readonly stableReady?: number;
  readonly now?: number;
}

export class World {
  instances: RolloutInstance[] = [];
  cursor: RolloutCursor;
  requests: RolloutRequests = noRequests;
  analysis: StepVerdict | undefined;
  now: number;
  desired: number;
  last: RolloutPlan | undefined;
  private seq = 0;

  constructor(readonly options: WorldOptions) {
    this.now = options.now ?? 1_000_000;
    this.desired = options.desired;
    this.cursor = initialCursor(this.now);
    if (options.stable) this.add(options.stable, options.stableReady ?? options.desired, 'ready');
  }

  add(release: string, count: number, state: InstanceState): void {
    for (let index = 0; index < count; index++) this.instances.push({ id: `${release}-${++this.seq}`, release, state });
  }

  input(): RolloutInput {
    const { stable, next, strategy } = this.options;
    const of = (release: string) => ({ release, instances: this.instances.filter((instance) => instance.release === release) });
    return {
      strategy,
      desired: this.desired,
      stable: stable ? of(stable) : undefined,
      next: of(next),
      cursor: this.cursor,
      requests: this.requests,
      ...(this.analysis ? { analysis: this.analysis } : {}),
      now: this.now,
    };
  }

  /** Plans, applies the plan (starts as `starting`, drains as `stopping`), keeps the cursor. */
  step(): RolloutPlan {
    const plan = planRollout(this.input());
    for (const start of plan.start) this.add(start.release, start.count, 'starting');
    const drained = new Set(plan.drain);
    this.instances = this.instances.map((instance) => (drained.has(instance.id) ? { ...instance, state: 'stopping' } : instance));
    this.cursor = plan.cursor;
    this.last = plan;
    return plan;
  }

  set(release: string, from: InstanceState, to: InstanceState, count = Number.POSITIVE_INFINITY): void {
    let left = count;
    this.instances = this.instances.map((instance) => {
      if (left <= 0 || instance.release !== release || instance.state !== from) return instance;
      left--;
      return { ...instance, state: to };
    });
  }

  /** Every starting instance of `release` crashed, with the provider's reason and restart count. */
  crash(release: string, reason: string | null, restarts: number): void {
    this.instances = this.instances.map((instance) => (instance.release === release && instance.state === 'starting' ? { ...instance, state: 'crashed', reason, restarts } : instance));
  }

  /** Instances that finished stopping leave the observed state. */
  stopped(): void {
    this.instances = this.instances.filter((instance) => instance.state !== 'stopping');
  }

  count(release: string, state?: InstanceState): number {
    return this.instances.filter((instance) => instance.release === release && (state === undefined || instance.state === state)).length;
  }

  /** Steps, makes every starting instance ready and every stopping one gone, until `done` or `limit` steps. */
  settle(done: (plan: RolloutPlan) => boolean, limit = 50): RolloutPlan {
    for (let index = 0; index < limit; index++) {
      const plan = this.step();
      if (done(plan)) return plan;
      this.stopped();
      for (const release of new Set(this.instances.map((instance) => instance.release))) this.set(release, 'starting', 'ready');
    }
    throw new Error(`not settled after ${limit} steps: ${this.last?.phase} ${this.last?.reason}`);
  }
}
