// A service that crashes every few hundred requests: the real `skiff up`, two instances of the
// bench fixture that each exit (code 1) right after their 300th answer, 8 closed-loop keep-alive
// clients sending GETs through the router for a fixed span. Measured: the requests that failed
// (not a 200), the ones that waited more than 5 s, the crashes and the longest restart backoff
// Skiff chose (from the `instance.crashed` events).
import os from 'node:os';
import { Pool } from 'undici';
import { exitUnlessSkiffRuns } from './lib/skiff-available.js';
import { helloSpec, startSkiff } from './lib/skiff-up.js';
import { formatTable } from './lib/stats.js';

const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const exitAfter = 300;
const load = { clients: 8, durationMs: 30_000, maxRequests: 2_000_000 };
const slowMs = 5000;

async function measure() {
  const skiff = await startSkiff({ specText: helloSpec({ instances: 2, env: { EXIT_AFTER: exitAfter }, readinessInterval: '200ms' }) });
  try {
    await skiff.readyInstances('hello', 2);
    const pool = new Pool(skiff.routerUrl, { connections: load.clients, pipelining: 1 });
    const counts = { total: 0, failed: 0, slow: 0, errors: new Map() };
    const started = performance.now();
    const client = async () => {
      while (performance.now() - started < load.durationMs && counts.total < load.maxRequests) {
        counts.total++;
        const sent = performance.now();
        let reason;
        try {
          const { statusCode, body } = await pool.request({ path: '/hello', method: 'GET', headersTimeout: 15_000, bodyTimeout: 15_000 });
          await body.dump();
          if (statusCode !== 200) reason = `status ${statusCode}`;
        } catch (error) {
          reason = error.code ?? error.name ?? 'error';
        }
        if (reason) {
          counts.failed++;
          counts.errors.set(reason, (counts.errors.get(reason) ?? 0) + 1);
        }
        if (performance.now() - sent > slowMs) counts.slow++;
      }
    };
    await Promise.all(Array.from({ length: load.clients }, client));
    await pool.destroy();
    const crashes = await (await skiff.api('/api/v1/events?type=instance.crashed&limit=1000')).json();
    return { ...counts, crashes: crashes.length, longestBackoffMs: Math.max(0, ...crashes.map((event) => event.data.restartInMs ?? 0)) };
  } finally {
    await skiff.stop();
  }
}

exitUnlessSkiffRuns();
const rows = [];
let incomplete = false;
for (let run = 1; run <= runs; run++) {
  try {
    const result = await measure();
    rows.push([
      run,
      result.total,
      result.failed,
      `${((100 * result.failed) / Math.max(1, result.total)).toFixed(3)}%`,
      `${((100 * result.slow) / Math.max(1, result.total)).toFixed(3)}%`,
      result.crashes,
      result.longestBackoffMs,
      [...result.errors].map(([reason, count]) => `${reason} ${count}`).join(', ') || '-',
    ]);
  } catch (error) {
    incomplete = true;
    console.error(`run ${run}: ${error.message}`);
  }
}
console.log(`Two instances each exiting after ${exitAfter} requests, ${load.clients} clients for ${load.durationMs / 1000} s; ${os.cpus().length} cores`);
console.log(formatTable(['run', 'requests', 'failed', 'failed %', `over ${slowMs / 1000} s %`, 'crashes', 'longest backoff (ms)', 'failures'], rows));
if (incomplete) process.exitCode = 1;
