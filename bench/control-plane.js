// The control plane at scale: the real `skiff up` with an environment on the fake provider
// (instances that start at once and run nothing), so what is measured is the control plane alone:
// the API, the spec, the store, the planners and the per-service queues.
//   1. apply 1,000 services x 5 instances: time from the apply to every instance ready (placements/s);
//   2. apply a change to 10% of the services (a new release of each, rolled out): time to converge;
//   3. GET status at that size, 16 concurrent clients, bounded in time and count: p50/p99;
//   4. the control plane's RSS;
//   5. the routing table of that size (built by the control plane's planner) published to a real
//      router with 2 workers: time until every worker applied it.
// BENCH_SERVICES (default 1000) and BENCH_INSTANCES (default 5) change the size.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSkiff } from './lib/skiff-up.js';
import { freePort, killPid, spawnCaptured, waitFor, waitForExit } from './lib/processes.js';
import { rssMiB } from './lib/router-tools.js';
import { formatTable, summarize } from './lib/stats.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const services = Number(process.env.BENCH_SERVICES ?? 1000);
const instances = Number(process.env.BENCH_INSTANCES ?? 5);
const statusClients = 16;
const statusSeconds = 10;
const statusMaxRequests = 3000;

function bigSpec(changed = new Set()) {
  const lines = ['version: 1', 'name: scale', 'services:'];
  for (let i = 0; i < services; i++) {
    lines.push(
      `  svc${i}:`,
      '    path: .',
      '    start: [node, server.js]',
      `    instances: ${instances}`,
      `    env: { VERSION: "${changed.has(i) ? 2 : 1}" }`,
      '    routes:',
      `      - path: /svc${i}`,
    );
  }
  lines.push('environments:', '  dev:', '    provider: fake', '');
  return lines.join('\n');
}

async function apply(skiff, text) {
  const response = await skiff.api('/api/v1/apply', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text, file: 'skiff.yaml', baseDir: skiff.specDir }),
  });
  if (!response.ok) throw new Error(`apply answered ${response.status}: ${await response.text()}`);
}

/** Resolves once every service has exactly `instances` ready instances of `release` (per service) and nothing else. */
async function converged(skiff, releaseOf, what) {
  return waitFor(
    async () => {
      const report = await skiff.status();
      if (report.services.length !== services) return undefined;
      const byService = new Map();
      for (const instance of report.instances) {
        const list = byService.get(instance.service) ?? [];
        list.push(instance);
        byService.set(instance.service, list);
      }
      for (const service of report.services) {
        const mine = byService.get(service.name) ?? [];
        const want = releaseOf(service.name);
        if (service.release !== want || mine.length !== instances) return undefined;
        if (mine.some((instance) => instance.state !== 'ready' || instance.release !== want)) return undefined;
      }
      return true;
    },
    { timeoutMs: 300_000, everyMs: 100, what },
  );
}

async function statusLatencies(skiff) {
  const latencies = [];
  const deadline = Date.now() + statusSeconds * 1000;
  const client = async () => {
    while (Date.now() < deadline && latencies.length < statusMaxRequests) {
      const started = performance.now();
      const response = await skiff.api('/api/v1/environments/dev/status');
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`status answered ${response.status}`);
      latencies.push(performance.now() - started);
    }
  };
  await Promise.all(Array.from({ length: statusClients }, client));
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return { requests: sorted.length, p50: at(0.5), p99: at(0.99) };
}

/** The control plane's routing table for the spec, published to a real router with 2 workers. */
async function publishToRouter(specText) {
  const { parseSpec } = await import(path.join(root, 'dist/spec/parse.js'));
  const { resolveEnvironment } = await import(path.join(root, 'dist/spec/desired.js'));
  const { planRouteTable } = await import(path.join(root, 'dist/reconcile/route-planner.js'));
  const { publishRouteTable, routerHealth } = await import(path.join(root, 'dist/router/admin-client.js'));
  const parsed = parseSpec(specText, 'skiff.yaml');
  if (!parsed.ok) throw new Error(`the generated spec is invalid: ${JSON.stringify(parsed.errors[0])}`);
  const releases = Object.fromEntries(Object.keys(parsed.spec.services).map((name) => [name, { version: 1, environment: 'dev', service: name, content: { artifact: null } }]));
  const desired = resolveEnvironment(parsed.spec, 'dev', releases);
  const ready = desired.services.flatMap((service) =>
    Array.from({ length: instances }, (_, i) => ({ id: `${service.name}-${i}`, environment: 'dev', service: service.name, release: service.release ?? 'v1', address: { host: '127.0.0.1', port: 20_000 + i } })),
  );
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'skiff-bench-cp-'));
  const socket = path.join(tmp, 'router.sock');
  const port = await freePort();
  const router = spawnCaptured(process.execPath, [path.join(root, 'dist/main/router-process.js'), '--port', String(port), '--admin-socket', socket, '--table-file', path.join(tmp, 'table.json'), '--workers', '2'], {});
  try {
    await waitFor(async () => ((await routerHealth(socket))?.port === port ? true : undefined), { timeoutMs: 15_000, what: 'the router' });
    const planMs = [];
    const publishMs = [];
    for (let i = 1; i <= 3; i++) {
      const planned = performance.now();
      const table = planRouteTable([desired], ready, i, Date.now());
      const publishing = performance.now();
      await publishRouteTable(socket, table, 30_000);
      planMs.push(publishing - planned);
      publishMs.push(performance.now() - publishing);
    }
    // The primary logs how long the fan-out to every worker took, from its accepting the table.
    const fanOut = await waitFor(async () => {
      const found = router.output().split('\n').flatMap((line) => {
        try {
          const entry = JSON.parse(line);
          return entry.msg === 'routing table applied' && entry.routes >= services ? [entry.fanOutMs] : [];
        } catch {
          return [];
        }
      });
      return found.length === 3 ? found : undefined;
    }, { timeoutMs: 5000, what: 'the fan-out log lines' }).catch(() => []);
    return { routes: services, backends: ready.length, planMs: summarize(planMs).median, publishMs: summarize(publishMs).median, fanOutMs: fanOut.length ? summarize(fanOut).median : NaN };
  } finally {
    killPid(router.child.pid, 'SIGTERM');
    if (!(await waitForExit(router.child.pid, 10_000))) killPid(router.child.pid);
    rmSync(tmp, { recursive: true, force: true });
  }
}

const small = 'version: 1\nname: scale\nservices:\n  seed:\n    path: .\n    start: [node, server.js]\n    routes:\n      - path: /seed\nenvironments:\n  dev:\n    provider: fake\n';
const skiff = await startSkiff({ specText: small });
try {
  const placements = services * instances;
  const first = performance.now();
  await apply(skiff, bigSpec());
  await converged(skiff, () => 'v1', `${placements} ready instances`);
  const placeMs = performance.now() - first;

  const changed = new Set(Array.from({ length: Math.round(services / 10) }, (_, i) => i * 10));
  const second = performance.now();
  await apply(skiff, bigSpec(changed));
  await converged(skiff, (name) => (changed.has(Number(name.slice(3))) ? 'v2' : 'v1'), `${changed.size} services rolled out`);
  const convergeMs = performance.now() - second;

  const status = await statusLatencies(skiff);
  const rss = await rssOfServer(skiff);
  const publish = await publishToRouter(bigSpec());

  console.log(`\nControl plane at ${services} services x ${instances} instances (fake provider), load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(formatTable(['measure', 'Skiff', 'target', 'anchor'], [
    ['apply to all ready (s)', (placeMs / 1000).toFixed(2), '-', '-'],
    ['placements per second', Math.round(placements / (placeMs / 1000)).toString(), '5000', 'Nomad C1M ~3750/s; kube-scheduler ~100 pods/s'],
    [`10% changed (${changed.size} rollouts) converged (s)`, (convergeMs / 1000).toFixed(2), '-', '-'],
    [`GET status p50 (ms), ${status.requests} requests`, status.p50.toFixed(1), '-', '-'],
    [`GET status p99 (ms), ${statusClients} clients`, status.p99.toFixed(1), '100', 'Kubernetes API SLO p99 <= 1000'],
    ['control plane RSS (MiB)', rss.toFixed(0), '300', '-'],
    [`table of ${publish.routes} routes / ${publish.backends} backends: plan (ms)`, publish.planMs.toFixed(1), '-', '-'],
    ['publish to the router, every worker applied (ms)', publish.publishMs.toFixed(1), '-', '-'],
    ['  of which fan-out to the workers (ms)', Number.isNaN(publish.fanOutMs) ? '-' : String(publish.fanOutMs), '-', '-'],
  ]));
} finally {
  await skiff.stop();
}

/** The RSS of the `skiff up` process, named by the pid file it keeps in its data directory. */
async function rssOfServer(target) {
  const server = JSON.parse(readFileSync(path.join(target.dataDir, 'server.json'), 'utf8'));
  return rssMiB(server.pid);
}
