/**
 * Monitoring of the running platform: the metrics scrape, timings taken from the event timeline
 * (reconcile, route propagation), and the periodic tick that feeds history and alerts.
 */
import type { Clock } from '../core/clock.js';
import type { NewEvent, StoredEvent } from '../store/state-store.js';
import { SkiffMetrics } from './skiff-metrics.js';
import { sampleAll, scrapeText } from './scrape.js';
import type { MonitoringSources } from './sources.js';

export interface MonitorLogger {
  warn(object: Record<string, unknown>, message: string): void;
}

export interface MonitorOptions {
  readonly sources: MonitoringSources;
  readonly clock: Clock;
  readonly emit: (event: NewEvent) => void;
  readonly onEvent: (listener: (event: StoredEvent) => void) => () => void;
  readonly logger: MonitorLogger;
}

/** Events after which the supervisor reconciles: the time until its queue is idle is the reconcile duration. */
const reconcileTriggers: Readonly<Record<string, string>> = {
  'spec.applied': 'apply',
  'service.scaled': 'scale',
  'environment.restored': 'restore',
  'instance.crashed': 'crash',
};
const propagationTimeoutMs = 10_000;
const propagationPollMs = 20;

export class Monitor {
  readonly metrics = new SkiffMetrics();
  private unsubscribe: (() => void) | null = null;
  private stopped = false;

  constructor(private readonly options: MonitorOptions) {}

  start(): void {
    this.unsubscribe = this.options.onEvent((event) => this.onEvent(event));
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** The whole exposition: Skiff's own metrics and every router's. */
  async metricsText(): Promise<string> {
    const samples = await sampleAll(this.options.sources, true);
    return scrapeText(this.metrics, samples, this.options.clock.now());
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.metrics.observeRequest(method, route, status, seconds);
  }

  private onEvent(event: StoredEvent): void {
    const trigger = reconcileTriggers[event.type] ?? (event.type.startsWith('release.') ? 'release' : undefined);
    if (trigger) {
      const environments = event.environment ? [event.environment] : this.options.sources.environments();
      for (const environment of environments) void this.timeReconcile(environment, trigger);
    }
    if (event.type === 'instance.ready' && event.environment && event.service && event.instance) {
      void this.timePropagation(event.environment, event.service, event.instance);
    }
  }

  private async timeReconcile(environment: string, trigger: string): Promise<void> {
    const started = this.options.clock.now();
    try {
      await this.options.sources.reconcileIdle(environment);
      this.metrics.observeReconcile(environment, trigger, (this.options.clock.now() - started) / 1000);
    } catch (error) {
      this.options.logger.warn({ err: error, environment }, 'timing a reconcile failed');
    }
  }

  /** Polls the router's table until it routes to the instance; gives up quietly after a while. */
  private async timePropagation(environment: string, service: string, instance: string): Promise<void> {
    const started = this.options.clock.now();
    const deadline = started + propagationTimeoutMs;
    while (!this.stopped && this.options.clock.now() < deadline) {
      const routed = await this.options.sources.routedInstances(environment, service).catch(() => null);
      if (routed === null) return;
      if (routed.has(instance)) {
        this.metrics.observePropagation(environment, (this.options.clock.now() - started) / 1000);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, propagationPollMs));
    }
  }
}
