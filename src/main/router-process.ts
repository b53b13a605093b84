/**
 * Composition root of the router process, started detached by the control plane:
 *   node dist/main/router-process.js --listen-host 127.0.0.1 --port 8080 [--also-listen 172.17.0.1]… \
 *     --admin-socket /path/router.sock --table-file /path/router-table.json [--workers N] [--fast-path off]
 * With --workers N ≥ 1 (default: the number of cores, at most 4) this process is the primary:
 * it owns the admin socket and table file and N forked workers serve the port. --workers 0
 * serves from this one process. --also-listen serves the same port on one more address (the
 * docker bridge gateway, so containers reach the router); an unspecified address (0.0.0.0, ::)
 * is refused. Logs are JSON lines on stdout. SIGTERM/SIGINT drain in-flight requests and exit 0.
 * --fast-path off serves every request through node:http and undici (the raw-socket fast path
 * is on by default). --inherit-listeners is set by a worker that starts the successor of a dead
 * primary: the listening sockets are descriptors 3, 4, … in the order of the addresses.
 * --tls-listen HOST:PORT (repeatable) adds a TLS listener: HTTPS with the routing table's
 * certificates chosen by SNI, HTTP/2 by ALPN; it may be an unspecified address (a public edge).
 * In a Kubernetes cluster: --kube-namespace NS takes the table from the ConfigMap
 * `skiff-router-routes` and the releases' pods from EndpointSlices (in-cluster credentials, or
 * --kubeconfig PATH), published to the router through its admin socket; --admin-listen HOST:PORT
 * serves the admin reads and drain over TCP for the control plane.
 */
import cluster from 'node:cluster';
import { isIP } from 'node:net';
import { availableParallelism, homedir } from 'node:os';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { SkiffError } from '../core/errors.js';
import { parseHostPort as parseIpPort } from '../core/listen-address.js';
import type { RouteTable } from '../core/route-table.js';
import { publishRouteTable } from '../router/admin-client.js';
import { startAdminRelay } from '../router/admin-relay.js';
import { startRouterPrimary } from '../router/cluster-primary.js';
import { runRouterWorker } from '../router/cluster-worker.js';
import { startRouter } from '../router/router.js';
import { traceWakeTo } from '../core/wake-trace.js';
import { wakeTraceFrom } from '../config/server-config.js';

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0-65535, got "${text}"`);
  return port;
}

function parseCount(name: string, text: string, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > max) throw new Error(`--${name} must be 0-${max}, got "${text}"`);
  return value;
}

/** An extra address must be one interface's: the router is never opened on every interface. */
function parseExtraAddress(host: string, flag = '--also-listen'): string {
  if (isIP(host) === 0 || host === '0.0.0.0' || host === '::') {
    throw new SkiffError('SKIFF_ROUTER_START_FAILED', `${flag} must be the IP address of one interface, got "${host}"`, {
      path: flag,
      hint: 'give the docker bridge gateway (e.g. 172.17.0.1); the router is never opened on 0.0.0.0',
    });
  }
  return host;
}

/** IP:PORT; an IPv6 address comes in brackets: [fd00::1]:8081. */
function parseListenAddress(name: string, text: string): { host: string; port: number } {
  const address = parseIpPort(text);
  if (address === undefined) throw new Error(`--${name} must be IP:PORT, got "${text}"`);
  return address;
}

function parseHostPort(name: string, text: string): { host: string; port: number } {
  const address = parseListenAddress(name, text);
  return { host: parseExtraAddress(address.host, `--${name}`), port: address.port };
}

/** The command a worker runs to start this primary's successor on the same listening sockets. */
function successorCommand(): { argv: string[]; env: Record<string, string> } {
  const argv = [process.argv[1] as string, ...process.argv.slice(2).filter((arg) => arg !== '--inherit-listeners'), '--inherit-listeners'];
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined) env[name] = value;
  return { argv, env };
}

function createLogger(role: string): { logger: pino.Logger; flush: () => void } {
  const destination = pino.destination({ dest: 1, sync: false });
  // The parent may be gone (killed) with our stdout; routing matters more than logging.
  destination.on('error', () => {});
  const logger = pino({ base: { component: 'router', role, pid: process.pid } }, destination);
  const flush = (): void => {
    try {
      destination.flushSync();
    } catch {
      // Not open yet or stdout gone: nothing more to do.
    }
  };
  return { logger, flush };
}

/** Builds the cluster feed's client first, so a bad kubeconfig fails the start before anything listens. */
async function clusterFeed(namespace: string, kubeconfig: string | undefined) {
  const { inClusterConnection, KubeClient, loadKubeconfig } = await import('../providers/kubernetes/client/index.js');
  const { ClusterTableFeed } = await import('../providers/kubernetes/router-feed/cluster-table-feed.js');
  const connection = kubeconfig === undefined ? inClusterConnection(process.env) : loadKubeconfig({ kubeconfig }, { homeDir: homedir() });
  const client = new KubeClient(connection, { namespace });
  return (publish: (table: RouteTable) => Promise<void>, logger: pino.Logger) => new ClusterTableFeed({ client, publish, logger });
}

async function main(): Promise<void> {
  traceWakeTo(wakeTraceFrom());
  if (cluster.isWorker) {
    const { logger, flush } = createLogger('worker');
    runRouterWorker(logger, (code) => {
      flush();
      process.exit(code);
    });
    return;
  }
  const { values } = parseArgs({
    options: {
      'listen-host': { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '8080' },
      'also-listen': { type: 'string', multiple: true, default: [] },
      'tls-listen': { type: 'string', multiple: true, default: [] },
      'inherit-listeners': { type: 'boolean', default: false },
      'admin-socket': { type: 'string' },
      'table-file': { type: 'string' },
      'drain-timeout-ms': { type: 'string', default: '5000' },
      'headers-timeout-ms': { type: 'string', default: '10000' },
      workers: { type: 'string', default: String(Math.min(availableParallelism(), 4)) },
      'fast-path': { type: 'string', default: 'on' },
      'admin-listen': { type: 'string' },
      'kube-namespace': { type: 'string' },
      kubeconfig: { type: 'string' },
    },
    strict: true,
  });

  const { logger, flush } = createLogger('primary');
  const workers = parseCount('workers', values.workers, 64);
  const fastPath = values['fast-path'];
  if (fastPath !== 'on' && fastPath !== 'off') throw new Error(`--fast-path must be on or off, got "${fastPath}"`);
  const common = {
    listenHost: values['listen-host'],
    port: parsePort(values.port),
    alsoListen: values['also-listen'].map((host) => parseExtraAddress(host)),
    tlsListen: values['tls-listen'].map((text) => parseListenAddress('tls-listen', text)),
    inheritListeners: values['inherit-listeners'],
    ...(values['admin-socket'] === undefined ? {} : { adminSocket: values['admin-socket'] }),
    ...(values['table-file'] === undefined ? {} : { tableFile: values['table-file'] }),
    drainTimeoutMs: Number(values['drain-timeout-ms']),
    headersTimeoutMs: Number(values['headers-timeout-ms']),
    fastPath: fastPath === 'on',
    logger,
  };
  const adminSocket = values['admin-socket'];
  const namespace = values['kube-namespace'];
  if ((namespace !== undefined || values['admin-listen'] !== undefined) && adminSocket === undefined) {
    throw new Error('--kube-namespace and --admin-listen need --admin-socket (the table is published and read through it)');
  }
  // Loaded only in a cluster: a router on one machine starts without the Kubernetes client.
  const kube = namespace === undefined ? undefined : await clusterFeed(namespace, values.kubeconfig);
  const router = workers === 0 ? await startRouter(common) : await startRouterPrimary({ ...common, workers, successor: successorCommand() });
  const relay = values['admin-listen'] === undefined || adminSocket === undefined ? undefined : await startAdminRelay({ ...parseHostPort('admin-listen', values['admin-listen']), socketPath: adminSocket });
  const feed = kube === undefined || adminSocket === undefined ? undefined : kube((table) => publishRouteTable(adminSocket, table), logger);
  feed?.start();

  const stop = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'stopping: draining in-flight requests');
    relay?.close();
    Promise.all([feed?.stop(), router.close()]).then(
      () => {
        flush();
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err: (err as Error).message }, 'error while stopping');
        flush();
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // Detached from the control plane's terminal: a hangup there must not stop routing.
  process.on('SIGHUP', () => {});
  process.on('uncaughtException', (err) => {
    logger.fatal({ err: err.message, stack: err.stack }, 'uncaught exception');
    flush();
    process.exit(1);
  });
}

main().catch((err: unknown) => {
  const error = err as Error & { code?: string };
  process.stdout.write(
    `${JSON.stringify({ level: 60, time: Date.now(), component: 'router', pid: process.pid, code: error.code, msg: `router failed to start: ${error.message}` })}\n`,
  );
  process.exit(1);
});
