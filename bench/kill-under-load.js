// Requests lost when one of two instances is killed (-9) under load. Through the Skiff router
// (which retries a GET that hit the dead instance, stops sending it traffic and starts a
// replacement), against the same load sent straight to the two instances by a client doing its
// own round robin with no retry.
import os from 'node:os';
import path from 'node:path';
import { runLoad } from './lib/load.js';
import { freePort, killPid, spawnCaptured, waitFor, waitForExit } from './lib/processes.js';
import { createProbe } from './lib/http-probe.js';
import { selectedParts, skiffUnavailableReason } from './lib/skiff-available.js';
import { helloDir, helloSpec, startSkiff } from './lib/skiff-up.js';
import { formatTable, ratio } from './lib/stats.js';

const load = { clients: 8, durationMs: 5000, maxRequests: 2_000_000 };
const killAtMs = 1500;
const script = path.join(helloDir, 'server.mjs');

async function measureSkiff() {
  const skiff = await startSkiff({ specText: helloSpec({ instances: 2 }) });
  try {
    const [victim] = await skiff.readyInstances('hello', 2);
    const result = await runLoad({
      ...load,
      origins: [skiff.routerUrl],
      path: '/hello',
      events: [{ atMs: killAtMs, run: () => killPid(victim.pid) }],
    });
    const recovered = await skiff.readyInstances('hello', 2, 30_000).then(() => true, () => false);
    return { ...result, note: recovered ? 'replacement ready after the run' : 'replacement NOT ready 30 s after the run' };
  } finally {
    await skiff.stop();
  }
}

/** Two bare instances; with `respawn`, the bench restarts the killed one at once on its port. */
async function measureDirect({ respawn }) {
  const ports = [await freePort(), await freePort()];
  const procs = [];
  const probe = createProbe();
  const start = async (port) => {
    const proc = spawnCaptured(process.execPath, [script], { cwd: helloDir, env: { ...process.env, PORT: String(port) } });
    procs.push(proc);
    await probe.until200(`http://127.0.0.1:${port}/`, { timeoutMs: 15_000 });
    return proc;
  };
  let stopped = false;
  try {
    const [victim] = await Promise.all(ports.map(start));
    if (respawn) victim.exited.then(() => stopped || start(ports[0]).catch(() => {}));
    return await runLoad({
      ...load,
      origins: ports.map((port) => `http://127.0.0.1:${port}`),
      path: '/',
      events: [{ atMs: killAtMs, run: () => killPid(victim.child.pid) }],
    });
  } finally {
    stopped = true;
    await probe.close();
    // A respawn may still be starting: wait until it is tracked so it is stopped too.
    await waitFor(async () => (procs.length === (respawn ? 3 : 2) ? true : undefined), {
      timeoutMs: 5000,
      what: 'the respawned instance',
    }).catch(() => {});
    for (const { child } of procs) {
      killPid(child.pid);
      await waitForExit(child.pid, 5000);
    }
  }
}

function topErrors(errors) {
  return [...errors.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([k, v]) => `${k}: ${v}`).join(', ') || '-';
}

async function main() {
  const parts = selectedParts(['skiff', 'direct', 'direct-respawn']);
  const results = [];
  const notes = [];
  const unavailable = skiffUnavailableReason();
  if (unavailable && parts.has('skiff')) {
    parts.delete('skiff');
    notes.push(`Skiff: not measured: ${unavailable}`);
  }
  const measure = async (part, label, fn) => {
    if (!parts.has(part)) return;
    try {
      results.push({ part, label, ...(await fn()) });
    } catch (err) {
      notes.push(`${label}: not measured: ${err.message}`);
    }
  };
  await measure('skiff', 'Skiff router, 2 instances', measureSkiff);
  await measure('direct', 'direct, client round robin, no retry', () => measureDirect({ respawn: false }));
  await measure('direct-respawn', 'direct, no retry, killed one restarted at once', () => measureDirect({ respawn: true }));

  console.log(
    `\n## kill -9 of one of two instances under load (${load.clients} keep-alive clients, GET, ${load.durationMs / 1000} s, kill at ${killAtMs / 1000} s)\n`,
  );
  console.log(
    formatTable(
      ['setup', 'requests', 'failed', 'failed %', 'req/s', 'failures'],
      results.map((r) => [
        r.label,
        r.total,
        r.failed,
        `${((100 * r.failed) / Math.max(1, r.total)).toFixed(3)}%`,
        Math.round(r.total / (r.elapsedMs / 1000)),
        topErrors(r.errors),
      ]),
    ),
  );
  const skiff = results.find((r) => r.part === 'skiff');
  const direct = results.find((r) => r.part === 'direct');
  if (skiff && direct) {
    const rate = (r) => r.failed / Math.max(1, r.total);
    console.log(
      skiff.failed === 0
        ? `\nfailed requests: Skiff 0, direct ${direct.failed} (${(100 * rate(direct)).toFixed(3)}%): the router's retry and health gating hid the kill`
        : `\nfailed-request rate, direct to Skiff: ${ratio(rate(direct), rate(skiff))} (${direct.failed} vs ${skiff.failed})`,
    );
  }
  if (skiff?.note) console.log(`Skiff: ${skiff.note}`);
  for (const note of notes) console.log(`\n${note}`);
  console.log(`\nmachine: ${os.cpus().length} cores, node ${process.version}; load generator, router and instances share them`);
  if (notes.length > 0) process.exitCode = 1;
}

await main();
