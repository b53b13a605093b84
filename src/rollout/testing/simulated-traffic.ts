/**
 * Simulated router counters for analysis tests: a seeded generator of requests per release
 * (errors at a given rate, latencies from a log-normal body with a slow tail), accumulated the way
 * the router accumulates them (counts and fixed histogram buckets).
 */
import type { AnalysisSpec } from '../../spec/schema.js';
import type { AnalysisVerdict, ReleaseWindow, VerdictOutcome } from '../analysis.js';
import { judgeSoFar } from '../analysis-so-far.js';
import { latencyBoundsMs } from '../histogram.js';

/** mulberry32: small, fast, seeded; good enough for traffic simulation. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ReleaseBehaviour {
  readonly errorRate: number;
  /** Median latency in ms; every latency is multiplied by `slowdown` (1 = as stable). */
  readonly medianMs: number;
  readonly slowdown: number;
}

export class SimulatedRelease {
  private requests = 0;
  private errors = 0;
  private readonly counts = new Array<number>(latencyBoundsMs.length + 1).fill(0);

  constructor(
    private readonly behaviour: ReleaseBehaviour,
    private readonly random: () => number,
  ) {}

  serve(count: number): void {
    for (let i = 0; i < count; i++) {
      this.requests++;
      if (this.random() < this.behaviour.errorRate) this.errors++;
      const latency = this.latencyMs();
      let bucket = 0;
      while (bucket < latencyBoundsMs.length && latency > (latencyBoundsMs[bucket] as number)) bucket++;
      this.counts[bucket] = (this.counts[bucket] ?? 0) + 1;
    }
  }

  window(): ReleaseWindow {
    return { requests: this.requests, errors: this.errors, latency: { bounds: latencyBoundsMs, counts: [...this.counts] } };
  }

  /** Log-normal body (sigma 0.5) and 2% of requests 3–10× slower: a loaded machine's tail. */
  private latencyMs(): number {
    const u = Math.max(this.random(), 1e-12);
    const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.random());
    const body = this.behaviour.medianMs * Math.exp(0.5 * normal);
    const tail = this.random() < 0.02 ? 3 + 7 * this.random() : 1;
    return body * tail * this.behaviour.slowdown;
  }
}

export interface SimulatedAnalysis {
  readonly spec: AnalysisSpec;
  readonly canary: ReleaseBehaviour;
  readonly stable: ReleaseBehaviour;
  /** Requests each release serves between two looks. */
  readonly canaryPerLook: number;
  readonly stablePerLook: number;
  readonly lookEveryMs: number;
  readonly seed: number;
}

export interface SimulatedOutcome {
  readonly outcome: VerdictOutcome;
  readonly elapsedMs: number;
  readonly canaryRequests: number;
  readonly canaryErrors: number;
  readonly verdict: AnalysisVerdict;
}

/** Serves traffic and looks at the window the way the analysis runner does, until a verdict (or a minute past the window). */
export function simulateAnalysis(simulation: SimulatedAnalysis): SimulatedOutcome {
  const random = seededRandom(simulation.seed);
  const canary = new SimulatedRelease(simulation.canary, random);
  const stable = new SimulatedRelease(simulation.stable, random);
  const giveUpAt = simulation.spec.window + 60_000;
  for (let elapsedMs = simulation.lookEveryMs; ; elapsedMs += simulation.lookEveryMs) {
    canary.serve(simulation.canaryPerLook);
    stable.serve(simulation.stablePerLook);
    const measured = { canary: canary.window(), stable: stable.window() };
    const verdict = judgeSoFar(simulation.spec, measured, elapsedMs);
    if (verdict.outcome !== 'inconclusive' || elapsedMs >= giveUpAt) {
      return { outcome: verdict.outcome, elapsedMs, canaryRequests: measured.canary.requests, canaryErrors: measured.canary.errors, verdict };
    }
  }
}
