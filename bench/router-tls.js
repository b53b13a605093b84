// The router's TLS listener against nginx with the same certificate (EC P-256) and the same two
// backends, in one run: HTTPS req/s at 64 kept-alive connections (wrk), new TLS handshakes per
// second (wrk with `Connection: close`: one full handshake and one request per connection), and
// HTTP/2 req/s (h2load, 64 connections, 10 streams each). Median of BENCH_RUNS runs (default 3)
// of BENCH_SECONDS (default 5), interleaved. Needs wrk (Debian wrk), openssl; nginx and h2load
// (Debian nginx, nghttp2-client) for their rows. BENCH_ROUTER_WORKERS sets Skiff's workers (default 2).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, ownedProcesses, spawnCaptured, waitFor } from './lib/processes.js';
import { cpuTimes, hasCommand, nginxConfig, processTree, runWrk } from './lib/router-tools.js';
import { formatTable, ratio, summarize } from './lib/stats.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const routerEntry = path.join(root, 'dist/main/router-process.js');
const adminClient = path.join(root, 'dist/router/admin-client.js');
const runs = Math.max(3, Number(process.env.BENCH_RUNS ?? 3));
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const workers = Number(process.env.BENCH_ROUTER_WORKERS ?? 2);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'skiff-bench-tls-'));
const { owned, cleanup } = ownedProcesses({ tmp, name: 'router TLS bench' });

function makeCertificate() {
  const cert = path.join(tmp, 'bench.pem');
  const key = path.join(tmp, 'bench.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '2',
    '-subj', '/CN=bench.test', '-addext', 'subjectAltName=DNS:bench.test'], { stdio: 'ignore' });
  return { cert, key };
}

/** Answers 200 over HTTPS (certificate not checked: it is self-signed). */
function answersHttps(port) {
  const result = spawnSync('curl', ['--silent', '--insecure', '--output', '/dev/null', '--write-out', '%{http_code}', `https://127.0.0.1:${port}/`], { encoding: 'utf8' });
  return result.stdout === '200' ? true : undefined;
}

async function startBackend() {
  const port = await freePort();
  const proc = spawnCaptured(process.execPath, [path.join(root, 'bench/fixtures/router-backend.mjs')], { env: { ...process.env, PORT: String(port) } });
  owned.push(proc.child.pid);
  await waitFor(async () => ((await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined))?.ok ? true : undefined), { timeoutMs: 10_000, what: 'the backend' });
  return { port };
}

async function startNginx(backends, certificate) {
  const port = await freePort();
  const prefix = path.join(tmp, 'nginx');
  mkdirSync(path.join(prefix, 'logs'), { recursive: true });
  const conf = path.join(tmp, 'nginx.conf');
  writeFileSync(conf, nginxConfig({ prefix, port, backends, tls: certificate }));
  const proc = spawnCaptured(existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx', ['-p', prefix, '-c', conf], {});
  owned.push(proc.child.pid);
  await waitFor(async () => answersHttps(port), { timeoutMs: 10_000, what: `nginx (${proc.output()})` });
  return { name: 'nginx (2 workers)', port, pid: proc.child.pid };
}

async function startSkiff(backends, certificate) {
  const { publishRouteTable, routerHealth } = await import(adminClient);
  const [port, tlsPort] = [await freePort(), await freePort()];
  const socket = path.join(tmp, 'router.sock');
  const proc = spawnCaptured(process.execPath, [
    routerEntry, '--port', String(port), '--tls-listen', `127.0.0.1:${tlsPort}`, '--admin-socket', socket,
    '--table-file', path.join(tmp, 'router-table.json'), '--workers', String(workers),
  ], {});
  owned.push(proc.child.pid);
  await waitFor(async () => ((await routerHealth(socket))?.port === port ? true : undefined), { timeoutMs: 15_000, what: `the router (${proc.output()})` });
  await publishRouteTable(socket, {
    version: 1,
    generatedAt: new Date().toISOString(),
    routes: [{
      id: 'bench/hello/0', environment: 'bench', service: 'hello', pathPrefix: '/', stripPrefix: false, retryMethods: ['GET'],
      balance: 'least-request', backends: backends.map((b, i) => ({ id: `hello-${i}`, release: 'v1', host: '127.0.0.1', port: b.port })),
    }],
    tls: { certificates: [{ hosts: ['bench.test'], cert: readFileSync(certificate.cert, 'utf8'), key: readFileSync(certificate.key, 'utf8'), source: 'file' }] },
  });
  await waitFor(async () => answersHttps(tlsPort), { timeoutMs: 10_000, what: 'the router to answer over TLS' });
  return { name: `Skiff router (${workers} workers)`, port: tlsPort, pid: proc.child.pid };
}

/** h2load's req/s: `connections` connections, 10 concurrent streams each, for `seconds`. */
function runH2load(port, connections) {
  const result = spawnSync('h2load', ['-c', String(connections), '-m', '10', '-t', '2', '-D', String(seconds), `https://127.0.0.1:${port}/`], {
    encoding: 'utf8',
    timeout: (seconds + 20) * 1000,
  });
  const rps = Number(/finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(result.stdout)?.[1]);
  const failed = Number(/requests: \d+ total, \d+ started, \d+ done, \d+ succeeded, (\d+) failed/.exec(result.stdout)?.[1] ?? NaN);
  const protocol = /Application protocol: (\S+)/.exec(result.stdout)?.[1];
  if (protocol !== 'h2') throw new Error(`h2load did not speak h2: ${result.stdout}${result.stderr}`);
  return { rps, failed };
}

const kinds = {
  'HTTPS, 64 kept-alive connections': (target) => runWrk({ url: `https://127.0.0.1:${target.port}/`, connections: 64, threads: 2, seconds }),
  'new TLS handshakes (a request each), 64 connections': (target) =>
    runWrk({ url: `https://127.0.0.1:${target.port}/`, connections: 64, threads: 2, seconds, headers: ['Connection: close'] }),
  'HTTP/2, 64 connections x 10 streams': async (target) => (hasCommand('h2load') ? runH2load(target.port, 64) : { rps: NaN }),
};

async function measure(target, kind) {
  const pids = processTree(target.pid);
  const before = cpuTimes(pids);
  const result = await kinds[kind](target);
  const after = cpuTimes(pids);
  if (result.non2xx > 0 || result.socketErrors || result.failed > 0) {
    console.error(`  ${target.name}, ${kind}: ${result.non2xx ?? 0} non-2xx, ${result.failed ?? 0} failed, socket errors: ${result.socketErrors ?? 'none'}`);
  }
  const requests = result.requests ?? result.rps * seconds;
  return { rps: result.rps, cpuMicrosPerRequest: ((after.user - before.user + after.system - before.system) * 1e6) / requests };
}

async function main() {
  if (!existsSync(routerEntry)) throw new Error(`${routerEntry} is missing: run npm run build first`);
  if (!hasCommand('wrk')) {
    console.log('wrk is not installed (Debian: apt-get install wrk): skipping the TLS benchmark');
    return;
  }
  const certificate = makeCertificate();
  const backends = [await startBackend(), await startBackend()];
  const targets = [];
  if (hasCommand('nginx') || existsSync('/usr/sbin/nginx')) targets.push(await startNginx(backends, certificate));
  else console.log('nginx is not installed (Debian: apt-get install nginx): no nginx rows to compare with');
  targets.push(await startSkiff(backends, certificate));
  if (!hasCommand('h2load')) console.log('h2load is not installed (Debian: apt-get install nghttp2-client): no HTTP/2 rows');
  console.log(`load average before: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const samples = new Map();
  for (const kind of Object.keys(kinds)) {
    for (let run = 0; run < runs; run++) {
      for (const target of targets) {
        const key = `${target.name}|${kind}`;
        if (!samples.has(key)) samples.set(key, []);
        samples.get(key).push(await measure(target, kind));
      }
    }
  }
  const median = (key, field) => summarize(samples.get(key).map((sample) => sample[field])).median;
  const rows = [];
  for (const kind of Object.keys(kinds)) {
    for (const target of targets) {
      const key = `${target.name}|${kind}`;
      const nginxKey = `nginx (2 workers)|${kind}`;
      const compared = target.name.startsWith('Skiff') && samples.has(nginxKey);
      rows.push([
        kind, target.name, Math.round(median(key, 'rps')), median(key, 'cpuMicrosPerRequest').toFixed(1),
        compared ? ratio(median(key, 'rps'), median(nginxKey, 'rps')) : '-',
        compared ? ratio(median(key, 'cpuMicrosPerRequest'), median(nginxKey, 'cpuMicrosPerRequest')) : '-',
      ]);
    }
  }
  console.log(`load average after: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`${seconds} s per run, median of ${runs} runs; CPU is user+system of the proxy's processes per request`);
  console.log(formatTable(['load', 'target', 'req/s', 'CPU µs/req', 'req/s vs nginx', 'CPU vs nginx'], rows));
}

try {
  await main();
} finally {
  await cleanup();
}
