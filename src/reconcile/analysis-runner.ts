/**
 * Runs the analyses rollouts ask for: takes a baseline of the router's counters when an
 * analysis step begins, judges the window once it is long enough, and again every second while
 * the verdict is inconclusive (too few requests), so the window grows until it can be judged.
 */
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import { lookAtWindow } from './analysis-look.js';
import type { AnalysisWindow, CountersSnapshot, Deployment, JudgedAnalysis } from './deployment.js';
import { labelOf } from './deployment.js';
import type { AnalysisRequest } from '../rollout/index.js';
import { analysisNamed, nextLookInMs } from '../rollout/index.js';

export interface AnalysisRunnerDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  /** The router's counters per release of the service, now. */
  readonly measure: (service: string) => Promise<CountersSnapshot>;
  /** The deployment of the service under way, as it is now. */
  readonly current: (service: string) => Deployment | undefined;
  readonly onBaseline: (service: string, deploymentId: number, window: AnalysisWindow) => void;
  readonly onVerdict: (service: string, deploymentId: number, judged: JudgedAnalysis, windowMs: number) => void;
}

const retryMs = 2000;

interface Pending {
  readonly key: string;
  timer: NodeJS.Timeout | null;
  busy: boolean;
}

export class AnalysisRunner {
  private readonly pending = new Map<string, Pending>();
  private closed = false;

  constructor(private readonly deps: AnalysisRunnerDeps) {}

  /** Makes sure the requested analysis is measured and judged; repeated calls are cheap. */
  ensure(service: string, deployment: Deployment, request: AnalysisRequest): void {
    const key = `${deployment.id}/${request.step}`;
    const existing = this.pending.get(service);
    if (existing?.key === key) return;
    // A step judged for good waits for the plan to act on it (a person's pause may hold it).
    const last = deployment.verdicts.at(-1);
    if (last?.step === request.step && last.verdict.outcome !== 'inconclusive') return;
    this.cancel(service);
    const pending: Pending = { key, timer: null, busy: false };
    this.pending.set(service, pending);
    const window = deployment.window?.step === request.step ? deployment.window : null;
    if (window) this.schedule(service, pending, this.lookInMs(deployment, window));
    else this.schedule(service, pending, 0);
  }

  cancel(service: string): void {
    const pending = this.pending.get(service);
    if (pending?.timer) clearTimeout(pending.timer);
    this.pending.delete(service);
  }

  close(): void {
    this.closed = true;
    for (const service of [...this.pending.keys()]) this.cancel(service);
  }

  private schedule(service: string, pending: Pending, delayMs: number): void {
    if (this.closed || this.pending.get(service) !== pending) return;
    if (pending.timer) clearTimeout(pending.timer);
    pending.timer = setTimeout(() => {
      pending.timer = null;
      void this.run(service, pending);
    }, Math.max(0, delayMs));
    pending.timer.unref();
  }

  private lookInMs(deployment: Deployment, window: AnalysisWindow): number {
    const spec = analysisNamed(deployment.analyses, window.name);
    return spec ? nextLookInMs(spec, this.deps.clock.now() - window.baseline.at) : 0;
  }

  private async run(service: string, pending: Pending): Promise<void> {
    if (pending.busy) return;
    pending.busy = true;
    try {
      await this.step(service, pending);
    } catch (error) {
      this.deps.logger.warn({ err: error, service }, 'measuring an analysis window failed; trying again');
      this.schedule(service, pending, retryMs);
    } finally {
      pending.busy = false;
    }
  }

  private async step(service: string, pending: Pending): Promise<void> {
    const deployment = this.deps.current(service);
    const [id, step] = pending.key.split('/').map(Number) as [number, number];
    if (!deployment || deployment.id !== id || deployment.cursor.step !== step || deployment.finishedAt !== null) {
      this.cancel(service);
      return;
    }
    const snapshot = await this.deps.measure(service);
    if (this.pending.get(service) !== pending) return;
    const window = deployment.window?.step === step ? deployment.window : null;
    if (!window) {
      const name = analysisName(deployment, step);
      const started: AnalysisWindow = { step, name, baseline: snapshot };
      this.deps.onBaseline(service, id, started);
      this.schedule(service, pending, this.lookInMs(deployment, started));
      return;
    }
    const spec = analysisNamed(deployment.analyses, window.name);
    if (!spec) {
      this.cancel(service);
      return;
    }
    const look = lookAtWindow(spec, window, snapshot, { canary: labelOf(deployment.next), stable: labelOf(deployment.stable) });
    const judged: JudgedAnalysis = { step, name: window.name, since: window.baseline.at, at: snapshot.at, verdict: look.verdict };
    if (look.record) this.deps.onVerdict(service, id, judged, look.elapsedMs);
    if (look.nextInMs === null) this.cancel(service);
    else this.schedule(service, pending, look.nextInMs);
  }
}

function analysisName(deployment: Deployment, step: number): string {
  const strategy = deployment.strategy;
  const spec = strategy.type === 'canary' ? strategy.steps[step] : undefined;
  return spec?.kind === 'analysis' ? spec.name : 'default';
}
