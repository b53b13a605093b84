// The breakdown of wakes from zero from a wake trace (SKIFF_WAKE_TRACE, src/core/wake-trace.ts):
// for each step, its time after the router asked for the wake, over the wakes in the file.
import { readFileSync } from 'node:fs';
import { formatTable, ms, summarize } from './stats.js';

/** Each wake: a map from step to ms after its `router.wake-asked`; later repeats of a step are ignored. */
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
    if (mark.step === 'router.wake-asked') {
      current = { start: mark.at, steps: new Map(), done: false };
      wakes.push(current);
    }
    if (current === null || current.done || current.steps.has(mark.step)) continue;
    current.steps.set(mark.step, mark.at - current.start);
    if (mark.step === 'router.forwarded') current.done = true;
  }
  return wakes.filter((wake) => wake.done);
}

/** A table of each step's median and p90 (ms after the wake was asked), in the order of `stepOrder`. */
export function breakdownTable(traceFile, stepOrder) {
  const wakes = wakesOf(readFileSync(traceFile, 'utf8'));
  const rows = stepOrder.map((step) => {
    const times = wakes.map((wake) => wake.steps.get(step)).filter((value) => value !== undefined);
    const summary = summarize(times);
    return [step, ms(summary.median), ms(summary.p90), String(times.length)];
  });
  return `steps of ${wakes.length} wakes, ms after the router asked for the wake\n${formatTable(['step', 'median', 'p90', 'wakes'], rows)}`;
}
