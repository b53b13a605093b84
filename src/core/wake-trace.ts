/**
 * Timestamps of the steps of a wake from zero in each process it crosses (the router's worker and
 * primary, the control plane, the function runtime), for the breakdown that
 * `node bench/cold-start.js --only d --trace` prints. Off unless a composition root turns it on
 * (SKIFF_WAKE_TRACE names the file, read by config/); then each step appends
 * `<epoch ms> <pid> <step>` to the file. Off, a step costs one comparison.
 *
 * A switch of this module rather than a port handed down: it is a debugging aid for one path
 * through six components, and must cost nothing on that path when off.
 */
import { appendFileSync } from 'node:fs';

/** The steps, in the order a wake takes them. */
export const wakeSteps = [
  'router.wake-asked',
  'router.wake-relayed',
  'control.wake-heard',
  'control.start',
  'driver.load-sent',
  'runtime.load-received',
  'runtime.handler-loaded',
  'runtime.listening',
  'driver.started',
  'control.ready',
  'control.table-sent',
  'router.table-received',
  'router.table-applied',
  'router.forwarded',
] as const;

export type WakeStep = (typeof wakeSteps)[number];

let traceFile: string | null = null;

/** Turns the trace on (a file path) or off (null), for this process. */
export function traceWakeTo(file: string | null): void {
  traceFile = file;
}

/** Where this process traces, to hand on to a process it starts; null when off. */
export function wakeTraceFile(): string | null {
  return traceFile;
}

export function wakeStep(step: WakeStep): void {
  if (traceFile === null) return;
  try {
    // Wall-clock milliseconds with sub-millisecond precision: comparable across processes.
    appendFileSync(traceFile, `${(performance.timeOrigin + performance.now()).toFixed(3)} ${process.pid} ${step}\n`);
  } catch {
    // A debugging aid never fails the path it measures.
  }
}
