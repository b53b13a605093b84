/**
 * The clustered router's primary: owns the admin socket and the table file, forks the data-plane
 * workers (node:cluster, all serving one port), fans every accepted table out to them and waits
 * until each has it, sums their metrics, and replaces a worker that dies. It serves no traffic.
 * It names one listening worker its successor: should the primary die, that worker starts the
 * next primary on the same listening sockets (successor.ts).
 */
import cluster, { type Worker } from 'node:cluster';
import type { Server } from 'node:http';
import { SkiffError } from '../core/errors.js';
import { emptyRouteTable, type RouteTable } from '../core/route-table.js';
import { WakeQueue } from '../core/wake-queue.js';
import { startAdminServer } from './admin-server.js';
import type { ListenTarget } from './data-server.js';
import { mergeDrainResults, type DrainResult } from './drain.js';
import { describeAddresses, listenTargets, type ListenAddresses } from './listeners.js';
import { mergeSnapshots, renderPrometheus, type MetricsSnapshot } from './metrics.js';
import { mergeParallelSnapshots, type ParallelSnapshot } from './parallel/counts.js';
import { buildParallelReport } from './parallel/report.js';
import type { RouterLogger } from './proxy-exchange.js';
import type { SuccessorCommand } from './successor.js';
import { readTableFile, writeTableFile } from './table-file.js';
import type { PrimaryMessage, WorkerMessage } from './worker-protocol.js';
import { wakeStep } from '../core/wake-trace.js';

export interface PrimaryOptions extends ListenAddresses {
  readonly workers: number;
  readonly adminSocket?: string;
  readonly tableFile?: string;
  readonly drainTimeoutMs: number;
  readonly headersTimeoutMs: number;
  /** Serve plain requests on the raw-socket fast path. Default true. */
  readonly fastPath?: boolean;
  readonly logger: RouterLogger;
  /** How a worker starts the next primary if this one dies; absent (or no admin socket): workers drain and exit. */
  readonly successor?: SuccessorCommand;
}

export interface PrimaryHandle {
  readonly port: number;
  readonly tlsPorts: readonly number[];
  close(): Promise<void>;
}

const answerTimeoutMs = 5_000;

export async function startRouterPrimary(options: PrimaryOptions): Promise<PrimaryHandle> {
  const { logger } = options;
  let table: RouteTable = emptyRouteTable;
  if (options.tableFile !== undefined) {
    try {
      const loaded = await readTableFile(options.tableFile);
      if (loaded !== undefined) {
        table = loaded;
        logger.info({ version: loaded.version, routes: loaded.routes.length }, 'routing with the table file');
      }
    } catch (err) {
      logger.warn({ tableFile: options.tableFile, err: (err as Error).message }, 'ignoring unreadable table file; starting with no routes');
    }
  }

  // The kernel spreads connections over the workers' accept calls; the primary's round-robin
  // hand-off would cost a message per connection and serve nothing better here.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  const live = new Set<Worker>();
  /** Workers sent their start message: IPC keeps order, so later tables reach them after it. */
  const started = new Set<Worker>();
  /** Workers listening: while one is, the listening sockets exist and a new worker shares them. */
  const listening = new Set<Worker>();
  let heir: Worker | undefined;
  let targets: readonly ListenTarget[] = listenTargets(options);
  let stopping = false;
  let port = options.port;
  let tlsPorts: readonly number[] = (options.tlsListen ?? []).map((address) => address.port);
  let seq = 0;
  const waiting = new Map<number, (message: WorkerMessage) => void>();
  const wakes = new WakeQueue();

  const ask = (worker: Worker, message: PrimaryMessage & { seq: number }, timeoutMs = answerTimeoutMs): Promise<WorkerMessage | undefined> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        waiting.delete(message.seq);
        resolve(undefined);
      }, timeoutMs);
      waiting.set(message.seq, (answer) => {
        clearTimeout(timer);
        waiting.delete(message.seq);
        resolve(answer);
      });
      worker.send(message);
    });

  const fork = (): Promise<{ port: number; tlsPorts: readonly number[] }> =>
    new Promise((resolve, reject) => {
      const worker = cluster.fork();
      live.add(worker);
      worker.on('message', (message: WorkerMessage) => {
        switch (message.t) {
          case 'ready':
            // A message sent before 'ready' may be lost (the worker had no listener yet), so a
            // worker that comes up during shutdown is told to drain only now.
            if (stopping) {
              worker.send({ t: 'drain', timeoutMs: 0 } satisfies PrimaryMessage);
              return;
            }
            // Every worker asks for the configured port, 0 included: cluster shares one handle per
            // requested address, so port 0 gives all workers the same port.
            worker.send({
              t: 'start',
              listen: targets,
              ...(options.adminSocket === undefined ? {} : { adminSocket: options.adminSocket }),
              headersTimeoutMs: options.headersTimeoutMs,
              table,
              fastPath: options.fastPath !== false,
            } satisfies PrimaryMessage);
            started.add(worker);
            return;
          case 'listening':
            listening.add(worker);
            if (port !== 0) logger.info({ worker: worker.process.pid, listening: listening.size, workers: options.workers }, 'router worker listening');
            nameHeir();
            resolve({ port: message.port, tlsPorts: message.tlsPorts });
            return;
          case 'start-failed':
            reject(new SkiffError('SKIFF_ROUTER_START_FAILED', `cannot listen on ${describeAddresses(options)}: ${message.message}`));
            return;
          case 'wake':
            wakeStep('router.wake-relayed');
            wakes.add(message.service);
            return;
          case 'applied':
          case 'metrics':
          case 'drained':
          case 'parallel':
          case 'parallel-reset':
            waiting.get(message.seq)?.(message);
            return;
        }
      });
      worker.once('exit', (code, signal) => {
        live.delete(worker);
        started.delete(worker);
        listening.delete(worker);
        // node:cluster closed the listening sockets with the last worker that shared them: bind anew.
        if (listening.size === 0 && port !== 0) {
          const tlsListen = (options.tlsListen ?? []).map((address, index) => ({ ...address, port: tlsPorts[index] ?? address.port }));
          targets = listenTargets({ ...options, port, tlsListen, inheritListeners: false });
        }
        if (heir === worker) {
          heir = undefined;
          nameHeir();
        }
        reject(new SkiffError('SKIFF_ROUTER_START_FAILED', `router worker exited at start (${signal ?? code})`));
        if (stopping) return;
        logger.error({ worker: worker.process.pid, code, signal }, 'router worker died; starting a replacement');
        fork().catch((err: unknown) => {
          if (!stopping) logger.error({ err: (err as Error).message }, 'could not replace a router worker');
        });
      });
    });

  function nameHeir(): void {
    if (heir !== undefined || options.successor === undefined || options.adminSocket === undefined || stopping) return;
    const [next] = listening;
    if (next === undefined) return;
    heir = next;
    next.send({ t: 'successor', ...options.successor } satisfies PrimaryMessage);
  }

  const killAll = (): void => {
    stopping = true;
    for (const worker of live) worker.process.kill('SIGKILL');
  };

  try {
    const ports = await Promise.all(Array.from({ length: options.workers }, () => fork()));
    port = (ports[0] as { port: number }).port;
    tlsPorts = (ports[0] as { tlsPorts: readonly number[] }).tlsPorts;
  } catch (err) {
    killAll();
    throw err;
  }

  let publications: Promise<unknown> = Promise.resolve();
  const publish = (next: RouteTable): Promise<void> => {
    const run = publications.then(async () => {
      if (next.version < table.version) {
        throw new SkiffError('SKIFF_ROUTE_TABLE_STALE', `routing table version ${next.version} is older than the router's version ${table.version}`);
      }
      wakeStep('router.table-received');
      const json = JSON.stringify(next);
      table = next;
      const fanOut = performance.now();
      // The workers apply it while the file is flushed: a request held for this table (a service
      // woken from zero) must not wait for the disk. The file only seeds a restarted router, and
      // the control plane publishes again when a write failed.
      await Promise.all([
        options.tableFile === undefined ? undefined : writeTableFile(options.tableFile, next, json),
        // A worker not started yet gets `table` in its start message; the others confirm they applied it.
        ...[...started].map((worker) => ask(worker, { t: 'table', seq: ++seq, json })),
      ]);
      logger.info({ version: next.version, routes: next.routes.length, fanOutMs: Math.round(performance.now() - fanOut) }, 'routing table applied');
    });
    publications = run.catch(() => {});
    return run;
  };

  const metrics = async (): Promise<string> => {
    const answers = await Promise.all([...started].map((worker) => ask(worker, { t: 'metrics', seq: ++seq })));
    const snapshots: MetricsSnapshot[] = [];
    for (const answer of answers) if (answer?.t === 'metrics') snapshots.push(answer.snapshot);
    return renderPrometheus(mergeSnapshots(snapshots));
  };

  const drain = async (backends: PrimaryMessage & { t: 'drain-backends' }): Promise<DrainResult> => {
    const answers = await Promise.all(
      [...started].map((worker) => ask(worker, { ...backends, seq: ++seq }, backends.timeoutMs + answerTimeoutMs)),
    );
    const results: DrainResult[] = [];
    for (const answer of answers) {
      // A worker that did not answer cannot vouch for its connections.
      results.push(answer?.t === 'drained' ? answer.result : { drained: false, inFlight: 0, waitedMs: backends.timeoutMs });
    }
    return mergeDrainResults(results);
  };

  const parallel = async (): Promise<ParallelSnapshot> => {
    const answers = await Promise.all([...started].map((worker) => ask(worker, { t: 'parallel', seq: ++seq })));
    const snapshots: ParallelSnapshot[] = [];
    for (const answer of answers) if (answer?.t === 'parallel') snapshots.push(answer.snapshot);
    return mergeParallelSnapshots(snapshots);
  };

  let admin: Server | undefined;
  if (options.adminSocket !== undefined) {
    try {
      admin = await startAdminServer(options.adminSocket, {
        currentTable: () => table,
        publish,
        health: () => ({ pid: process.pid, version: table.version, port, ...(tlsPorts.length > 0 ? { tlsPorts } : {}), workers: { wanted: options.workers, listening: [...listening].map((worker) => worker.process.pid ?? 0) } }),
        metrics,
        drain: (request) => drain({ t: 'drain-backends', seq: 0, backends: request.backends, timeoutMs: request.timeoutMs }),
        parallel: async () => buildParallelReport(await parallel()),
        parallelCounts: parallel,
        resetParallel: async (route) => {
          await Promise.all(
            [...started].map((worker) => ask(worker, route === undefined ? { t: 'parallel-reset', seq: ++seq } : { t: 'parallel-reset', seq: ++seq, route })),
          );
        },
        wakeRequests: (waitMs, signal) => wakes.take(waitMs, signal),
      });
    } catch (err) {
      killAll();
      throw err;
    }
  }
  logger.info({ host: options.listenHost, alsoListen: options.alsoListen, tlsPorts, inherited: options.inheritListeners, port, adminSocket: options.adminSocket, workers: options.workers }, 'router listening');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      stopping = true;
      wakes.close();
      if (admin !== undefined) {
        admin.close();
        admin.closeAllConnections();
      }
      const exits = [...live].map((worker) => new Promise<void>((resolve) => {
        if (worker.isDead()) resolve();
        else worker.once('exit', () => resolve());
      }));
      for (const worker of started) worker.send({ t: 'drain', timeoutMs: options.drainTimeoutMs } satisfies PrimaryMessage);
      const late = setTimeout(() => {
        for (const worker of live) worker.process.kill('SIGKILL');
      }, options.drainTimeoutMs + 2_000);
      await Promise.all(exits);
      clearTimeout(late);
      logger.info({}, 'router stopped');
    })();
    return closing;
  };
  return { port, tlsPorts, close };
}
