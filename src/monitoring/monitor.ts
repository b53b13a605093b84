/**
 * Monitoring of the running platform: the metrics scrape, timings taken from the event timeline
 * (reconcile, route propagation), and the periodic tick that feeds history and alerts.
 */
import type { Clock } from '../core/clock.js';
import type { NewEvent, StoredEvent } from '../store/state-store.js';
import { AlertEvaluator } from './alerts.js';
import type { AlertRules, AlertView } from './alerts.js';
import { MetricHistory, seriesKey } from './history.js';
import type { Point, Resolution } from './history.js';
import { recordHistory } from './history-recorder.js';
import { RecentSamples } from './recent.js';
import type { RollupStore } from './rollup-store.js';
import { SkiffMetrics } from './skiff-metrics.js';
import { sampleAll, scrapeText } from './scrape.js';
import type { MonitoringSources } from './sources.js';
import { topView } from './top.js';
import type { TopView } from './top.js';
import { WebhookNotifier } from './webhook-notifier.js';
import type { WebhookNotifierOptions } from './webhook-notifier.js';

export interface MonitorLogger {
  warn(object: Record<string, unknown>, message: string): void;
}

export interface MonitorOptions {
  readonly sources: MonitoringSources;
  readonly clock: Clock;
  readonly emit: (event: NewEvent) => void;
  readonly onEvent: (listener: (event: StoredEvent) => void) => () => void;
  readonly logger: MonitorLogger;
  /** The alert rules and notifiers of the current revision. */
  readonly rules: () => AlertRules;
  /** How often samples are taken and alerts evaluated; 2 s unless given. */
  readonly tickMs?: number;
  readonly delivery?: Omit<WebhookNotifierOptions, 'onAttempt'>;
  /** Where minute rollups of the history go; without it history stays in memory only. */
  readonly rollups?: RollupStore;
  /** For `jobFailed(name)`: 1 when the job's last run in the environment failed, 0 when it succeeded, null before any. */
  readonly jobFailed?: (environment: string, job: string) => number | null;
}

export interface SeriesQuery {
  readonly environment: string;
  readonly service: string;
  readonly metric: string;
  readonly release?: string | undefined;
  readonly instance?: string | undefined;
  readonly resolution: Resolution;
  /** Epoch ms; default one hour (10s) or one day (1m) back. */
  readonly from?: number | undefined;
  readonly to?: number | undefined;
}

/** Events after which the supervisor reconciles: the time until its queue is idle is the reconcile duration. */
const reconcileTriggers: Readonly<Record<string, string>> = {
  'spec.applied': 'apply',
  'service.scaled': 'scale',
  'environment.restored': 'restore',
  'instance.crashed': 'crash',
};
const propagationTimeoutMs = 10_000;
const topWindowMs = 10_000;
const propagationPollMs = 20;

export class Monitor {
  readonly metrics = new SkiffMetrics();
  readonly recent = new RecentSamples();
  readonly history = new MetricHistory();
  private lastRollupMinute = 0;
  private readonly notifier: WebhookNotifier;
  private readonly alerts: AlertEvaluator;
  private unsubscribe: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly options: MonitorOptions) {
    this.notifier = new WebhookNotifier({
      ...options.delivery,
      onAttempt: (notification, attempt) => {
        this.metrics.alertDeliveries.inc({ outcome: attempt.ok ? 'delivered' : attempt.willRetry ? 'retrying' : 'failed' });
        const outcome = attempt.ok ? `delivered (HTTP ${attempt.status})` : `failed (${attempt.error ?? `HTTP ${attempt.status}`})`;
        options.emit({
          type: 'alert.delivery',
          environment: notification.environment,
          actor: 'monitoring',
          message: `${notification.state} notification of ${notification.alert} to ${attempt.webhook}, attempt ${attempt.attempt}: ${outcome}${attempt.willRetry ? '; retrying' : ''}`,
          data: { alert: notification.alert, state: notification.state, ...attempt },
        });
      },
    });
    this.alerts = new AlertEvaluator({
      recent: this.recent,
      notifier: this.notifier,
      emit: options.emit,
      ...(options.jobFailed ? { jobFailed: options.jobFailed } : {}),
    });
  }

  start(): void {
    this.unsubscribe = this.options.onEvent((event) => this.onEvent(event));
    this.timer = setInterval(() => void this.tick(), this.options.tickMs ?? 2_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.timer) clearInterval(this.timer);
    await this.ticking;
    await this.notifier.close();
  }

  /** One round: sample every environment, keep the samples, evaluate the alert rules. */
  tick(): Promise<void> {
    if (this.ticking || this.stopped) return this.ticking ?? Promise.resolve();
    this.ticking = (async () => {
      try {
        const samples = await sampleAll(this.options.sources, true);
        const now = this.options.clock.now();
        for (const sample of samples) this.recent.record(sample, now);
        const environments = samples.map((sample) => sample.environment);
        this.recent.retain(environments);
        for (const environment of environments) recordHistory(this.history, this.recent, environment, now);
        this.rollup(now);
        if (!this.stopped) this.alerts.evaluate(this.options.rules(), environments, now);
      } catch (error) {
        this.options.logger.warn({ err: error }, 'a monitoring tick failed');
      } finally {
        this.ticking = null;
      }
    })();
    return this.ticking;
  }

  alertList(): AlertView[] {
    return this.alerts.list();
  }

  /** Writes each completed minute to SQLite once. */
  private rollup(now: number): void {
    const completed = Math.floor(now / 60_000) * 60_000 - 60_000;
    if (completed <= this.lastRollupMinute) return;
    const first = this.lastRollupMinute === 0;
    this.lastRollupMinute = completed;
    this.history.prune(now);
    if (!this.options.rollups || first) return;
    this.options.rollups.write(completed, this.history.minute(completed));
    this.options.rollups.pruneBefore(now);
  }

  series(query: SeriesQuery): Point[] {
    const to = query.to ?? this.options.clock.now();
    const from = query.from ?? to - (query.resolution === '10s' ? 3_600_000 : 86_400_000);
    const key = seriesKey(query);
    const memory = this.history.points(key, query.resolution, from, to);
    if (query.resolution === '10s' || !this.options.rollups) return memory;
    // Minutes older than memory holds (or from before a restart) come from SQLite.
    const oldestInMemory = memory[0]?.time ?? to + 1;
    return [...this.options.rollups.points(key, from, Math.min(to, oldestInMemory - 1)), ...memory];
  }

  /** Per service: traffic and usage over the last 10 s. */
  top(environment: string): TopView {
    return topView(this.recent, environment, topWindowMs);
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
    if (event.type === 'instance.restarted' && event.environment && event.service) {
      this.recent.noteRestart(event.environment, event.service, Date.parse(event.time));
    }
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
