// Memory of the metric history Skiff keeps itself (src/monitoring): 100 services × 5 instances ×
// 2 releases, fed through the same path as a running control plane (router exposition parsed,
// recent samples, history rings), for 20 simulated minutes at the 10 s tick. Target: < 100 MB.
import v8 from 'node:v8';
import vm from 'node:vm';
import { MetricHistory } from '../dist/monitoring/history.js';
import { recordHistory } from '../dist/monitoring/history-recorder.js';
import { RecentSamples } from '../dist/monitoring/recent.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
const services = 100;
const instancesPerRelease = 5;
const releases = ['v1', 'v2'];
const ticks = 120;
const tickMs = 10_000;
const targetBytes = 100 * 1024 * 1024;

function routerText(tick) {
  const lines = [];
  for (let s = 0; s < services; s++) {
    for (const release of releases) {
      const labels = `route="dev/svc-${s}/0",service="svc-${s}",environment="dev",release="${release}"`;
      const requests = tick * 100 + s;
      lines.push(`skiff_router_requests_total{${labels}} ${requests}`);
      lines.push(`skiff_router_responses_total{${labels},code="2xx"} ${requests - tick}`);
      lines.push(`skiff_router_responses_total{${labels},code="5xx"} ${tick}`);
      let cumulative = 0;
      for (const le of ['0.005', '0.05', '0.5', '+Inf']) {
        cumulative += Math.floor(requests / 4);
        lines.push(`skiff_router_request_duration_seconds_bucket{${labels},le="${le}"} ${cumulative}`);
      }
    }
  }
  return lines.join('\n');
}

function sample(tick) {
  const instances = [];
  for (let s = 0; s < services; s++) {
    for (const release of releases) {
      for (let i = 0; i < instancesPerRelease; i++) {
        instances.push({
          id: `svc-${s}-${release}-${i}`, environment: 'dev', service: `svc-${s}`, release, state: 'ready', restarts: 0,
          startedAt: 0, cpuSeconds: tick * 0.1, rssBytes: 50_000_000 + i,
        });
      }
    }
  }
  const desired = Array.from({ length: services }, (_, s) => ({ service: `svc-${s}`, release: 'v2', instances: 10 }));
  return { environment: 'dev', instances, desired, routerMetrics: routerText(tick), routeTable: null };
}

gc();
const before = process.memoryUsage();
const history = new MetricHistory();
const recent = new RecentSamples();
const started = performance.now();
for (let tick = 1; tick <= ticks; tick++) {
  const now = 1_700_000_000_000 + tick * tickMs;
  recent.record(sample(tick), now);
  recordHistory(history, recent, 'dev', now);
}
const elapsed = performance.now() - started;
gc();
const after = process.memoryUsage();
const used = after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers);
const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
console.log('| what | value |');
console.log('| --- | --- |');
console.log(`| series kept | ${history.size} |`);
console.log(`| memory (heap + array buffers, after GC) | ${mb(used)} |`);
console.log(`| target | < ${mb(targetBytes)} |`);
console.log(`| time per tick (parse + record) | ${(elapsed / ticks).toFixed(1)} ms |`);
if (used >= targetBytes) {
  console.error(`metric history used ${mb(used)}, over the ${mb(targetBytes)} target`);
  process.exitCode = 1;
}
