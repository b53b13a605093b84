/**
 * A worker's parallel runs: sends the copies of a mirrored request once the client has its
 * answer (to a candidate instance, and to a second trusted instance to measure noise), compares
 * each with the client's answer, and keeps the counts. Copies are bounded in number and time and
 * never touch the client's exchange.
 */
import type { Dispatcher } from 'undici';
import type { Upstream } from '../upstreams.js';
import { headersFromObject, maxCompareBytes } from './capture.js';
import { compareAnswers, type CapturedAnswer } from './compare.js';
import {
  endpointCounts,
  recordCandidate,
  recordNoise,
  routeCountsKey,
  type ParallelSnapshot,
  type RouteCounts,
} from './counts.js';
import type { MirrorSettings } from './mirror-settings.js';

export interface CopyTarget {
  readonly id: string;
  readonly upstream: Upstream;
}

export interface MirrorJob {
  readonly route: string;
  readonly environment: string;
  readonly service: string;
  readonly settings: MirrorSettings;
  readonly method: string;
  /** As sent upstream, with query. */
  readonly path: string;
  /** The request headers as sent to the instance that answered the client. */
  readonly headers: readonly string[];
  readonly body: Buffer | null;
  readonly trusted: CapturedAnswer;
  readonly candidate: CopyTarget | undefined;
  readonly noise: CopyTarget | undefined;
}

export interface ParallelRunsOptions {
  /** Copies in flight at once per worker; beyond, copies are dropped (counted). Default 64. */
  readonly maxInFlight?: number;
  /** A copy's whole exchange. Default 10 s. */
  readonly timeoutMs?: number;
}

/** (route, candidate) pairs counted at once; a bound against tables that change without end. */
const maxRuns = 256;

function failure(err: unknown): string {
  const error = err as { code?: unknown; name?: unknown; message?: unknown } | null;
  if (error?.name === 'TimeoutError' || error?.name === 'AbortError') return 'timeout';
  if (typeof error?.code === 'string') return error.code;
  return typeof error?.message === 'string' ? error.message : 'failed';
}

async function readBounded(body: Dispatcher.ResponseData['body']): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxCompareBytes) {
      body.destroy();
      return null;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

export class ParallelRuns {
  private readonly runs = new Map<string, RouteCounts>();
  private readonly maxInFlight: number;
  private readonly timeoutMs: number;
  inFlight = 0;

  constructor(options: ParallelRunsOptions = {}) {
    this.maxInFlight = options.maxInFlight ?? 64;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Sends the copies and records the comparisons; resolves when both are done (for tests). */
  async run(job: MirrorJob): Promise<void> {
    const counts = this.countsOf(job);
    if (counts === undefined) return;
    counts.mirrored++;
    // The candidate has no ready instance in the current table: nothing to compare with.
    if (job.candidate === undefined) counts.dropped++;
    const candidate = this.send(job, job.candidate, 'candidate', counts);
    const noise = this.send(job, job.noise, 'noise', counts);
    const [candidateAnswer, noiseAnswer] = await Promise.all([candidate, noise]);
    const endpoint = `${job.method} ${job.path.split('?', 1)[0]}`;
    const compare = { compareHeaders: job.settings.compareHeaders, ignore: job.settings.ignore };
    if (candidateAnswer !== undefined) {
      const comparison = compareAnswers(job.trusted, candidateAnswer, compare);
      if (comparison.tooLarge) counts.tooLarge++;
      recordCandidate(endpointCounts(counts, endpoint), job.path, comparison.differences);
    }
    // A failed noise copy says nothing about the trusted release's own variation.
    if (noiseAnswer !== undefined && noiseAnswer.status !== 0) {
      recordNoise(endpointCounts(counts, endpoint), compareAnswers(job.trusted, noiseAnswer, compare).differences);
    }
  }

  private countsOf(job: MirrorJob): RouteCounts | undefined {
    const key = routeCountsKey(job.route, job.settings.candidateRelease);
    let counts = this.runs.get(key);
    if (counts === undefined) {
      if (this.runs.size >= maxRuns) return undefined;
      counts = {
        route: job.route,
        environment: job.environment,
        service: job.service,
        candidateRelease: job.settings.candidateRelease,
        mirrored: 0,
        dropped: 0,
        tooLarge: 0,
        endpoints: {},
      };
      this.runs.set(key, counts);
    }
    return counts;
  }

  private async send(job: MirrorJob, target: CopyTarget | undefined, kind: string, counts: RouteCounts): Promise<CapturedAnswer | undefined> {
    if (target === undefined) return undefined;
    if (this.inFlight >= this.maxInFlight) {
      counts.dropped++;
      return undefined;
    }
    this.inFlight++;
    // Counted on the address so a drain of that instance waits for the copy too.
    target.upstream.inFlight++;
    try {
      const answer = await target.upstream.pool.request({
        path: job.path,
        method: job.method as Dispatcher.HttpMethod,
        headers: [...job.headers, 'x-skiff-mirror', kind],
        body: job.body,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const body = await readBounded(answer.body);
      return { status: answer.statusCode, headers: headersFromObject(answer.headers, job.settings.compareHeaders), body };
    } catch (err) {
      return { status: 0, error: failure(err), headers: new Map(), body: Buffer.alloc(0) };
    } finally {
      target.upstream.inFlight--;
      this.inFlight--;
    }
  }

  snapshot(): ParallelSnapshot {
    return { routes: [...this.runs.values()] };
  }

  /** Forgets the counts of `route` (every candidate), or all counts. */
  reset(route?: string): void {
    if (route === undefined) {
      this.runs.clear();
      return;
    }
    for (const [key, counts] of this.runs) if (counts.route === route) this.runs.delete(key);
  }
}
