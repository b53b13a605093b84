// The breakdown of wakes from zero from a wake trace (SKIFF_WAKE_TRACE, src/core/wake-trace.ts):
// for each step, its time after the router asked for the wake, over the wakes in the file.
import { readFileSync } from 'node:fs';
import { formatTable, ms, summarize } from './stats.js';

/**
 * Each wake: a map from step to ms after its `router.wake-asked` (the client's `bench.sent` comes
 * before it, negative); a wake begins at `bench.sent`, or at a wake asked outside one.
 */
export function wakesOf(traceText) {
  const marks = traceText
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [at, pid, step] = line.split(' ');
      return { at: Number(at), pid: Number(pid), step };
    })
    .sort((a, b) => a.at - b.at);
  const wakes = [];
  let current = null;
  for (const mark of marks) {
    const begins = mark.step === 'bench.sent' || (mark.step === 'router.wake-asked' && (current === null || current.has('router.wake-asked')));
    if (begins) {
      current = new Map();
      wakes.push(current);
    }
    if (current !== null && !current.has(mark.step)) current.set(mark.step, mark.at);
  }
  return wakes
    .filter((wake) => wake.has('router.wake-asked') && wake.has('router.forwarded'))
    .map((wake) => {
      const origin = wake.get('router.wake-asked');
      return new Map([...wake].map(([step, at]) => [step, at - origin]));
    });
}

/** A table of each step's median and p90 (ms after the wake was asked), in the order of `stepOrder`. */
export function breakdownTable(traceFile, stepOrder) {
  const wakes = wakesOf(readFileSync(traceFile, 'utf8'));
  const rows = stepOrder.map((step) => {
    const times = wakes.map((wake) => wake.get(step)).filter((value) => value !== undefined);
    const summary = summarize(times);
    return [step, ms(summary.median), ms(summary.p90), String(times.length)];
  });
  return `steps of ${wakes.length} wakes, ms after the router asked for the wake\n${formatTable(['step', 'median', 'p90', 'wakes'], rows)}`;
}
