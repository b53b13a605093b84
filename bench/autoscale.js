// Autoscaling under a step of load, against a fixed 2-instance service as the baseline, and scale
// to zero under bursty load, against the same bursts while an instance is up. The service takes
// 200 ms per request (50 ms in the bursts) and works on 20 at once (more wait in its queue), like a
// fixed worker pool: its capacity, not this machine's CPU, bounds it.
//
// (a) 10 clients for 8 s, then 200 clients for 25 s: the p99 before the step, the seconds until
//     the p99 of one second and of the two after it are back under it, failed requests, and the
//     instance count once a second.
// (b) 5 bursts of 20 concurrent requests, each after the service went to zero (idleAfter 2 s):
//     failed requests and the added latency of the waking requests over warm bursts.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { waitFor } from './lib/processes.js';
import { selectedParts, exitUnlessSkiffRuns } from './lib/skiff-available.js';
import { startSkiff } from './lib/skiff-up.js';
import { formatTable, ms, summarize } from './lib/stats.js';
import { p99Between, runSteppedLoad } from './lib/stepped-load.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const slowDir = path.join(repoRoot, 'test/fixtures/slow');
const stepAtMs = 8000;
const durationMs = 33_000;
const stepDelayMs = 200;
const bursts = 5;
const burstSize = 20;

function slowSpec(scaling, delayMs) {
  return `version: 1
name: bench
services:
  slow:
    path: ${JSON.stringify(slowDir)}
    start: [node, server.mjs]
    env: { DELAY_MS: ${delayMs}, CONCURRENCY: 20 }
    readiness: { http: /health, interval: 200ms }
    stopGrace: 5s
    ${scaling}
    routes:
      - path: /slow
environments:
  dev: {}
`;
}

async function liveCount(skiff) {
  const status = await skiff.status();
  return status.instances.filter((i) => i.service === 'slow' && i.state === 'ready').length;
}

async function measureStep(label, scaling) {
  const skiff = await startSkiff({ specText: slowSpec(scaling, stepDelayMs) });
  try {
    await skiff.readyInstances('slow', scaling.startsWith('instances') ? 2 : 1);
    const counts = [];
    const sampler = setInterval(() => void liveCount(skiff).then((n) => counts.push(n), () => counts.push('?')), 1000);
    const load = await runSteppedLoad({
      url: `${skiff.routerUrl}/slow/work`,
      steps: [{ atMs: 0, clients: 10 }, { atMs: stepAtMs, clients: 200 }],
      durationMs,
      maxRequests: 400_000,
    });
    clearInterval(sampler);
    const before = p99Between(load.records, stepAtMs - 5000, stepAtMs);
    let recoveredAfter;
    for (let second = 0; stepAtMs + (second + 3) * 1000 <= durationMs; second++) {
      const window = [0, 1, 2].map((k) => p99Between(load.records, stepAtMs + (second + k) * 1000, stepAtMs + (second + k + 1) * 1000));
      if (window.every((p99) => p99 !== undefined && p99 <= before)) {
        recoveredAfter = second;
        break;
      }
    }
    const perSecond = Array.from({ length: (durationMs - stepAtMs) / 1000 }, (_, s) => p99Between(load.records, stepAtMs + s * 1000, stepAtMs + (s + 1) * 1000) ?? 0);
    const worst = Math.max(...perSecond);
    const end = p99Between(load.records, durationMs - 5000, durationMs);
    return { label, before, recoveredAfter, worst, end, perSecond, total: load.total, failed: load.failed, errors: load.errors, counts };
  } finally {
    await skiff.stop();
  }
}

/** One burst: `burstSize` requests at once on fresh connections; their latencies. */
async function burst(url) {
  const pool = new Pool(new URL(url).origin, { connections: burstSize });
  try {
    return await Promise.all(
      Array.from({ length: burstSize }, async () => {
        const at = performance.now();
        try {
          const { statusCode, body } = await pool.request({ path: new URL(url).pathname, method: 'GET', headersTimeout: 30_000, bodyTimeout: 30_000 });
          await body.dump();
          return { ok: statusCode === 200, latencyMs: performance.now() - at };
        } catch {
          return { ok: false, latencyMs: performance.now() - at };
        }
      }),
    );
  } finally {
    await pool.destroy();
  }
}

async function measureBursts() {
  const skiff = await startSkiff({
    specText: slowSpec('autoscale: { min: 0, max: 4, target: { concurrency: 20 }, stableWindow: 2s, panicWindow: 1s, idleAfter: 2s }', 50),
  });
  try {
    await skiff.readyInstances('slow', 1);
    const url = `${skiff.routerUrl}/slow/burst`;
    const cold = [];
    const warm = [];
    for (let i = 0; i < bursts; i++) {
      await waitFor(async () => ((await liveCount(skiff)) === 0 && (await skiff.status()).instances.every((x) => x.service !== 'slow') ? true : undefined), {
        timeoutMs: 30_000,
        what: 'the service at zero',
      });
      cold.push(await burst(url));
      // Warm: the instance the cold burst woke is still up (idleAfter has not passed).
      warm.push(await burst(url));
    }
    const firsts = (runs) => runs.map((answers) => Math.min(...answers.map((a) => a.latencyMs)));
    const all = (runs) => runs.flat().map((a) => a.latencyMs);
    const failed = (runs) => runs.flat().filter((a) => !a.ok).length;
    return { cold: { first: summarize(firsts(cold)), all: summarize(all(cold)), failed: failed(cold) }, warm: { first: summarize(firsts(warm)), all: summarize(all(warm)), failed: failed(warm) } };
  } finally {
    await skiff.stop();
  }
}

async function main() {
  exitUnlessSkiffRuns();
  const parts = selectedParts(['step', 'zero']);
  const notes = [];
  if (parts.has('step')) {
    const results = [];
    for (const [label, scaling] of [
      ['fixed, 2 instances', 'instances: 2'],
      ['autoscale 1–12, concurrency 20', 'autoscale: { min: 1, max: 12, target: { concurrency: 20 }, stableWindow: 10s, panicWindow: 2s }'],
    ]) {
      try {
        results.push(await measureStep(label, scaling));
      } catch (err) {
        notes.push(`${label}: not measured: ${err.message.split('\n')[0]}`);
      }
    }
    console.log(`\n## load step from 10 to 200 concurrent clients at ${stepAtMs / 1000} s (${durationMs / 1000} s in all; ${stepDelayMs} ms per request, 20 at once per instance)\n`);
    console.log(
      formatTable(
        ['setup', 'p99 before ms', 'p99 back under it after s', 'worst 1-s p99 ms', 'p99 last 5 s ms', 'requests', 'failed'],
        results.map((r) => [r.label, ms(r.before), r.recoveredAfter === undefined ? 'not in the run' : String(r.recoveredAfter), ms(r.worst), ms(r.end), r.total, r.failed]),
      ),
    );
    for (const r of results) {
      console.log(`\n${r.label}: ready instances once a second: ${r.counts.join(' ')}${r.failed ? `; failures: ${[...r.errors].map(([k, v]) => `${k} ${v}`).join(', ')}` : ''}`);
      console.log(`${r.label}: p99 ms of each second after the step: ${r.perSecond.map((p99) => Math.round(p99)).join(' ')}`);
    }
  }
  if (parts.has('zero')) {
    try {
      const r = await measureBursts();
      console.log(`\n## scale to zero under bursty load (${bursts} bursts of ${burstSize} concurrent requests, each after the service went to zero; then the same burst warm)\n`);
      console.log(
        formatTable(
          ['burst', 'runs', 'first answer median ms', 'first answer p90 ms', 'all answers median ms', 'all answers p90 ms', 'failed'],
          [
            ['waking (service at zero)', r.cold.first.runs, ms(r.cold.first.median), ms(r.cold.first.p90), ms(r.cold.all.median), ms(r.cold.all.p90), r.cold.failed],
            ['warm (baseline, same run)', r.warm.first.runs, ms(r.warm.first.median), ms(r.warm.first.p90), ms(r.warm.all.median), ms(r.warm.all.p90), r.warm.failed],
          ],
        ),
      );
      console.log(`\nadded latency of a waking request (median of first answers): ${ms(r.cold.first.median - r.warm.first.median)} ms`);
    } catch (err) {
      notes.push(`scale to zero: not measured: ${err.message.split('\n')[0]}`);
    }
  }
  for (const note of notes) console.log(`\nnote: ${note}`);
  if (notes.length > 0) process.exitCode = 1;
}

await main();
