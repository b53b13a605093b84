/**
 * A parallel run: a candidate release runs beside the trusted one, gets no normal traffic, and
 * receives a copy of a share of the requests, whose answers the router compares. Pure.
 */
import type { RouteMirror } from '../core/route-table.js';
import type { DesiredService } from '../spec/desired.js';
import type { ParallelSpec } from '../spec/schema.js';

export interface ParallelRun {
  readonly environment: string;
  readonly service: string;
  readonly candidate: DesiredService;
  /** The trusted release when the run started (for people; the trusted one is whatever runs). */
  readonly trusted: string;
  readonly spec: ParallelSpec;
  readonly author: string;
  readonly startedAt: number;
}

/**
 * Instances during a parallel run: the trusted release needs two ready instances, so a mirrored
 * request can also go to a second trusted instance to measure noise; the candidate gets enough
 * for the share mirrored to it.
 */
export function parallelInstanceCounts(desired: number, spec: ParallelSpec): { readonly trusted: number; readonly candidate: number } {
  return { trusted: Math.max(desired, 2), candidate: Math.max(1, Math.ceil((desired * spec.percent) / 100)) };
}

export function mirrorOf(run: ParallelRun): RouteMirror {
  return {
    candidateRelease: candidateLabel(run),
    percent: run.spec.percent,
    methods: run.spec.methods,
    compareHeaders: run.spec.compareHeaders.map((name) => name.toLowerCase()),
    ignoreFields: run.spec.ignoreFields,
  };
}

/** The name the candidate's instances go by in the routing table and the report. */
export function candidateLabel(run: ParallelRun): string {
  return run.candidate.release ?? 'candidate';
}
