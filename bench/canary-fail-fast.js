// A bad canary under load: the real `skiff up`, two instances of a service, a canary of a release
// answering 500 to 30% of its requests at a 10% weight, judged by the default checks over a 30 s
// window, while 8 clients send idempotent GETs through the router for a fixed span. Measured:
// the share of all requests of that span that failed, and how long the canary took to be rolled
// back, with the fail-fast analysis (the default) against the end-of-window rule
// (`failFast: false`), in the same run, alternating.
import os from 'node:os';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { runLoad } from './lib/load.js';
import { sleep, waitFor } from './lib/processes.js';
import { exitUnlessSkiffRuns, selectedParts } from './lib/skiff-available.js';
import { helloSpec, startSkiff } from './lib/skiff-up.js';
import { formatTable, ms, ratio, summarize } from './lib/stats.js';

const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const errorShare = 0.3;
// A fixed span of load for both rules, so their shares have one denominator: 2 s before the
// apply, the old rule's 30 s window and the starts and route changes around it.
const load = { clients: 8, durationMs: 50_000, maxRequests: 5_000_000 };
const beforeMs = 2000;

const rules = {
  'fail-fast': true,
  'end-of-window': false,
};

function canarySpec({ version, bad, failFast }) {
  const strategy = { type: 'canary', steps: '[{ weight: 10 }, { analysis: bench }, { weight: 50 }, { analysis: bench }]' };
  return `${helloSpec({ instances: 2, env: { VERSION: version, ERROR_SHARE: bad ? errorShare : 0 }, readinessInterval: '200ms', strategy })}analyses:
  bench:
    window: 30s
    minRequests: 50
    failFast: ${failFast}
`;
}

async function measure(failFast) {
  const skiff = await startSkiff({ specText: canarySpec({ version: 1, bad: false, failFast }) });
  try {
    await skiff.readyInstances('hello', 2);
    const loadRun = runLoad({ ...load, origins: [skiff.routerUrl], path: '/hello' });
    await sleep(beforeMs);
    writeFileSync(path.join(skiff.specDir, 'skiff.yaml'), canarySpec({ version: 2, bad: true, failFast }));
    const started = performance.now();
    const apply = await skiff.cli(['apply', skiff.specDir]);
    if (apply.code !== 0) throw new Error(`skiff apply failed:\n${apply.output}`);
    const rollout = await waitFor(
      async () => {
        const response = await skiff.api('/api/v1/environments/dev/services/hello/rollout', { signal: AbortSignal.timeout(2000) });
        if (!response.ok) return undefined;
        const body = await response.json();
        return body.next?.release !== 'v1' && !body.active ? body : undefined;
      },
      { timeoutMs: load.durationMs - beforeMs, everyMs: 100, what: 'the canary to be rolled back' },
    );
    const abortMs = performance.now() - started;
    if (rollout.result !== 'aborted') throw new Error(`the canary was not rolled back: ${rollout.result} (${rollout.reason})`);
    const result = await loadRun;
    const verdict = rollout.analyses?.at(-1);
    return { ...result, abortMs, canaryRequests: verdict?.canary?.requests ?? 0 };
  } finally {
    await skiff.stop();
  }
}

exitUnlessSkiffRuns();
const parts = selectedParts(Object.keys(rules));
const results = Object.fromEntries([...parts].map((name) => [name, []]));
let incomplete = false;
for (let run = 0; run < runs; run++) {
  for (const name of parts) {
    try {
      results[name].push(await measure(rules[name]));
    } catch (error) {
      incomplete = true;
      console.error(`${name}, run ${run + 1}: ${error.message}`);
    }
  }
}

const share = (list) => list.reduce((sum, r) => sum + r.failed, 0) / Math.max(1, list.reduce((sum, r) => sum + r.total, 0));
const rows = Object.entries(results)
  .filter(([, list]) => list.length > 0)
  .map(([name, list]) => [
    name,
    list.length,
    list.reduce((sum, r) => sum + r.total, 0),
    list.reduce((sum, r) => sum + r.failed, 0),
    `${(100 * share(list)).toFixed(3)}%`,
    ms(summarize(list.map((r) => r.abortMs)).median),
    summarize(list.map((r) => r.canaryRequests)).median,
  ]);
const [fast, old] = [results['fail-fast'] ?? [], results['end-of-window'] ?? []];

console.log(`Canary answering 500 to ${errorShare * 100}% of requests at a 10% weight, default checks, 30 s window; ${load.clients} clients for ${load.durationMs / 1000} s; ${os.cpus().length} cores`);
console.log(formatTable(['rule', 'runs', 'requests', 'failed', 'failed %', 'apply to rolled back (ms, median)', 'canary requests judged (median)'], rows));
if (fast.length > 0 && old.length > 0) console.log(`\nfailed share, end-of-window / fail-fast: ${ratio(share(old), share(fast))}`);
if (incomplete) process.exitCode = 1;
