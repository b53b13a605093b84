/**
 * Drives the autoscaler for one environment: on a tick it samples the data plane's load of every
 * autoscaled service (in flight, request rate, CPU where the provider reads it), asks `decide`,
 * and when the count changes records it, emits an `autoscale.decision` event and has the
 * environment reconcile the service (a scale-down goes through the normal stop path, which drains
 * first). A long poll on the data plane brings wakes: a request held for a service at zero.
 * While a rollout of a service is under way its autoscaling holds (the rollout keeps the count it
 * started with); sampling goes on, so the first decision after it has a full window.
 */
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import { sleep } from '../core/clock.js';
import type { ObservedInstance } from '../core/instance.js';
import type { DesiredService } from '../spec/desired.js';
import type { AutoscaleSpec } from '../spec/schema-autoscale.js';
import type { NewEvent } from '../store/state-store.js';
import { decide, initialMemory, wake } from './autoscaler.js';
import type { AutoscaleDecision, AutoscaleMemory, AutoscaleSample } from './autoscaler.js';
import { describeDecision, type AutoscaleStatus } from './autoscale-status.js';
import type { ServiceLoad } from './provider.js';
import { wakeStep } from '../core/wake-trace.js';

export interface AutoscaleControllerDeps {
  readonly environment: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly emit: (event: NewEvent) => void;
  /** The desired services (with their spec count, before autoscaling). */
  readonly services: () => readonly DesiredService[];
  readonly instances: (service: string) => readonly ObservedInstance[];
  readonly load: () => Promise<ReadonlyMap<string, ServiceLoad>>;
  readonly wakeRequests: (signal: AbortSignal) => Promise<readonly string[]>;
  /** CPU seconds an instance used so far, or null where the provider cannot read it. */
  readonly cpuSeconds: (instanceId: string) => Promise<number | null>;
  /** A rollout of the service is under way: its count holds. */
  readonly rolloutUnderWay: (service: string) => boolean;
  /** The service's count changed: plan it again. */
  readonly scaled: (service: string) => void;
}

interface ServiceScaling {
  readonly policyKey: string;
  memory: AutoscaleMemory;
  window: AutoscaleSample[];
  lastRequests: { readonly count: number; readonly at: number } | null;
  readonly cpu: Map<string, { readonly seconds: number; readonly at: number }>;
  last: AutoscaleDecision | null;
}

const minTickMs = 100;
const maxTickMs = 2000;
/** After the data plane did not answer a wake poll, wait this long before the next. */
const wakeRetryMs = 1000;

export class AutoscaleController {
  private readonly scaling = new Map<string, ServiceScaling>();
  private readonly stop = new AbortController();
  private timer: NodeJS.Timeout | null = null;
  private resumed = false;
  /** Grows with every change `status` would show. */
  version = 0;

  constructor(private readonly deps: AutoscaleControllerDeps) {}

  start(): void {
    this.schedule();
    void this.wakeLoop();
  }

  /**
   * The data plane was left running by an earlier control plane: every service keeps the count it
   * runs now, zero included, so a service scaled to zero stays there until a request wakes it.
   */
  resumeRunning(): void {
    this.resumed = true;
  }

  close(): void {
    this.stop.abort();
    if (this.timer) clearTimeout(this.timer);
  }

  /** The count the service should run: the autoscaler's, or the spec's when it is not autoscaled. */
  count(service: DesiredService): number {
    if (!service.autoscale || !service.release) return service.instances;
    return this.state(service, service.autoscale).memory.desired;
  }

  status(service: DesiredService): AutoscaleStatus | null {
    if (!service.autoscale || !service.release) return null;
    const state = this.state(service, service.autoscale);
    return describeDecision(service.autoscale, state.memory.desired, state.last);
  }

  /** One round: sample every autoscaled service and decide. */
  async tick(): Promise<void> {
    const services = this.deps.services().filter((service) => service.autoscale && service.release);
    if (services.length === 0) return;
    const loads = await this.deps.load();
    const now = this.deps.clock.now();
    for (const service of services) {
      const policy = service.autoscale as AutoscaleSpec;
      const state = this.state(service, policy);
      state.window.push(await this.sample(service.name, state, loads.get(service.name), policy, now));
      while ((state.window[0]?.at ?? now) <= now - policy.stableWindow) state.window.shift();
      if (this.deps.rolloutUnderWay(service.name)) continue;
      this.apply(service.name, state, decide({ policy, window: state.window, last: state.memory, now }));
    }
  }

  /** A request waits for the service at zero instances: one instance now. */
  wake(name: string): void {
    wakeStep('control.wake-heard');
    const service = this.deps.services().find((candidate) => candidate.name === name);
    if (!service?.autoscale || !service.release) return;
    const state = this.state(service, service.autoscale);
    const from = state.memory.desired;
    state.memory = wake(service.autoscale, state.memory, this.deps.clock.now());
    if (state.memory.desired === from) return;
    this.version += 1;
    this.deps.emit({
      type: 'autoscale.decision',
      environment: this.deps.environment,
      service: name,
      message: `${name}: ${from} → ${state.memory.desired} instances (woken by a held request)`,
      data: { from, to: state.memory.desired, mode: 'stable', reason: 'wake' },
    });
    this.deps.scaled(name);
  }

  private apply(service: string, state: ServiceScaling, decision: AutoscaleDecision): void {
    const from = state.memory.desired;
    const modeChanged = (state.last?.mode ?? 'stable') !== decision.mode;
    const observed = perInstance(decision);
    const shown = (d: AutoscaleDecision | null): string => (d ? `${d.desired}/${d.mode}/${perInstance(d).toFixed(1)}` : '');
    if (shown(state.last) !== shown(decision)) this.version += 1;
    state.memory = decision.memory;
    state.last = decision;
    if (decision.desired === from && !modeChanged) return;
    this.deps.emit({
      type: 'autoscale.decision',
      environment: this.deps.environment,
      service,
      message: `${service}: ${from} → ${decision.desired} instances (${decision.mode}, ${decisionText(decision)})`,
      data: {
        from,
        to: decision.desired,
        mode: decision.mode,
        reason: decision.reason,
        measure: decision.measure,
        target: decision.target,
        observed,
        stableDemand: decision.stableDemand,
        panicDemand: decision.panicDemand,
        ready: decision.ready,
      },
    });
    if (decision.desired !== from) this.deps.scaled(service);
  }

  private state(service: DesiredService, policy: AutoscaleSpec): ServiceScaling {
    const policyKey = JSON.stringify(policy);
    const found = this.scaling.get(service.name);
    if (found && found.policyKey === policyKey) return found;
    // A new policy (or the first sight of the service) starts from the instances running now,
    // so a restarted control plane keeps the count it adopts; a first start, from the spec's count.
    const live = this.deps.instances(service.name).filter((instance) => instance.state !== 'stopping').length;
    const start = found?.memory.desired ?? (live > 0 || this.resumed ? live : service.instances);
    const desired = Math.min(policy.max, Math.max(policy.min, start));
    const state: ServiceScaling = { policyKey, memory: initialMemory(desired, this.deps.clock.now()), window: [], lastRequests: null, cpu: new Map(), last: null };
    this.scaling.set(service.name, state);
    return state;
  }

  private async sample(service: string, state: ServiceScaling, load: ServiceLoad | undefined, policy: AutoscaleSpec, now: number): Promise<AutoscaleSample> {
    const ready = this.deps.instances(service).filter((instance) => instance.state === 'ready');
    const requests = load?.requests ?? 0;
    const previous = state.lastRequests;
    // A counter that went down means the data plane restarted: count from zero again.
    const ended = previous === null ? 0 : requests >= previous.count ? requests - previous.count : requests;
    const requestRate = previous === null || now <= previous.at ? 0 : (ended * 1000) / (now - previous.at);
    state.lastRequests = { count: requests, at: now };
    const cpuPercent = policy.target.cpu === undefined ? null : await this.cpuPercent(state, ready, now);
    return { at: now, ready: ready.length, inFlight: load?.inFlight ?? 0, requestRate, cpuPercent };
  }

  private async cpuPercent(state: ServiceScaling, ready: readonly ObservedInstance[], now: number): Promise<number | null> {
    let total = 0;
    let known = false;
    const seen = new Set<string>();
    for (const instance of ready) {
      seen.add(instance.id);
      const seconds = await this.deps.cpuSeconds(instance.id);
      if (seconds === null) continue;
      const before = state.cpu.get(instance.id);
      state.cpu.set(instance.id, { seconds, at: now });
      if (!before || now <= before.at) continue;
      total += (Math.max(0, seconds - before.seconds) * 1000 * 100) / (now - before.at);
      known = true;
    }
    for (const id of state.cpu.keys()) if (!seen.has(id)) state.cpu.delete(id);
    return known ? total : null;
  }

  private schedule(): void {
    if (this.stop.signal.aborted) return;
    const windows = this.deps.services().flatMap((service) => (service.autoscale ? [service.autoscale.panicWindow] : []));
    // Several samples per panic window, so a sudden load is seen within it.
    const tickMs = Math.min(maxTickMs, Math.max(minTickMs, Math.min(...windows, maxTickMs * 4) / 4));
    this.timer = setTimeout(() => {
      this.tick()
        .catch((err: unknown) => this.deps.logger.warn({ err: (err as Error).message }, 'autoscale tick failed; trying again'))
        .finally(() => this.schedule());
    }, tickMs);
    this.timer.unref();
  }

  private async wakeLoop(): Promise<void> {
    const { signal } = this.stop;
    while (!signal.aborted) {
      try {
        for (const service of await this.deps.wakeRequests(signal)) this.wake(service);
      } catch (err) {
        if (signal.aborted) return;
        this.deps.logger.debug({ err: (err as Error).message }, 'wake poll failed; polling again');
        await sleep(wakeRetryMs, signal);
      }
    }
  }
}

/** The stable window's demand per ready instance (what status shows). */
function perInstance(decision: AutoscaleDecision): number {
  return decision.stableDemand / Math.max(decision.ready, 1);
}

/** `concurrency 4.2/5 per instance`: in panic, the panic window's figure (what made it panic). */
function decisionText(decision: AutoscaleDecision): string {
  if (decision.reason === 'idle') return 'idle: no request within idleAfter';
  const demand = decision.mode === 'panic' ? decision.panicDemand / Math.max(decision.ready, 1) : perInstance(decision);
  const unit = decision.measure === 'cpu' ? '%' : '';
  return `${decision.measure} ${demand.toFixed(1)}${unit}/${decision.target}${unit} per instance`;
}
