/**
 * The router: the data-plane HTTP server, the admin socket and the table file, wired together.
 * It needs nothing from the control plane at runtime: it starts from the table file and keeps
 * routing with the last table it accepted.
 */
import type { Server } from 'node:http';
import { SkiffError } from '../core/errors.js';
import { WakeQueue } from '../core/wake-queue.js';
import type { RouteTable } from '../core/route-table.js';
import { startAdminServer } from './admin-server.js';
import { DataPlane } from './data-plane.js';
import { describeAddresses, listenAll, listenTargets, type ListenAddresses, type Listeners } from './listeners.js';
import { renderPrometheus } from './metrics.js';
import { mergeParallelSnapshots } from './parallel/counts.js';
import { buildParallelReport } from './parallel/report.js';
import type { RouterLogger } from './proxy-exchange.js';
import { readTableFile, writeTableFile } from './table-file.js';

/** Port 0 picks a free port; `RouterHandle.port` tells which. */
export interface RouterOptions extends ListenAddresses {
  readonly adminSocket?: string;
  /** Read at start, rewritten atomically on every accepted table. */
  readonly tableFile?: string;
  readonly logger?: RouterLogger;
  /** How long `close()` lets in-flight requests finish. Default 5 s. */
  readonly drainTimeoutMs?: number;
  /** Time a client has to send its request head. Default 10 s. */
  readonly headersTimeoutMs?: number;
  /** Serve plain requests on the raw-socket fast path. Default true. */
  readonly fastPath?: boolean;
}

export interface RouterHandle {
  readonly port: number;
  /** The TLS listeners' ports, in the order of `tlsListen`. */
  readonly tlsPorts: readonly number[];
  table(): RouteTable;
  /** The admin socket's PUT /table: rejects an older version with SKIFF_ROUTE_TABLE_STALE; equal is accepted. */
  publish(table: RouteTable): Promise<void>;
  /** Stops accepting, lets in-flight requests finish (bounded), closes upstream pools. */
  close(): Promise<void>;
  /** The data plane's metrics in Prometheus text format (also GET /metrics on the admin socket). */
  metrics(): string;
}

const silentLogger: RouterLogger = { info() {}, warn() {}, error() {} };

async function initialTable(tableFile: string | undefined, logger: RouterLogger): Promise<RouteTable | undefined> {
  if (tableFile === undefined) return undefined;
  try {
    return await readTableFile(tableFile);
  } catch (err) {
    logger.warn({ tableFile, err: (err as Error).message }, 'ignoring unreadable table file; starting with no routes');
    return undefined;
  }
}

export async function startRouter(options: RouterOptions): Promise<RouterHandle> {
  const logger = options.logger ?? silentLogger;
  const drainTimeoutMs = options.drainTimeoutMs ?? 5_000;
  const wakes = new WakeQueue();
  const plane = new DataPlane({ logger, onWake: (_environment, service) => wakes.add(service) });
  const loaded = await initialTable(options.tableFile, logger);
  if (loaded !== undefined) {
    plane.apply(loaded);
    logger.info({ version: loaded.version, routes: loaded.routes.length }, 'routing with the table file');
  }

  // Publications run one at a time so the version check and the file write cannot interleave.
  let publications: Promise<unknown> = Promise.resolve();
  const publish = (table: RouteTable): Promise<void> => {
    const run = publications.then(async () => {
      const current = plane.table.version;
      if (table.version < current) {
        throw new SkiffError(
          'SKIFF_ROUTE_TABLE_STALE',
          `routing table version ${table.version} is older than the router's version ${current}`,
        );
      }
      // Applied before the file is flushed: held requests must not wait for the disk (see cluster-primary).
      plane.apply(table);
      if (options.tableFile !== undefined) await writeTableFile(options.tableFile, table);
      logger.info({ version: table.version, routes: table.routes.length }, 'routing table applied');
    });
    publications = run.catch(() => {});
    return run;
  };

  const serverOptions = {
    ...(options.headersTimeoutMs === undefined ? {} : { headersTimeoutMs: options.headersTimeoutMs }),
    fastPath: options.fastPath !== false,
  };
  const metrics = (): string => renderPrometheus(plane.metrics.snapshot());
  let data: Listeners;
  try {
    data = await listenAll(plane, serverOptions, listenTargets(options));
  } catch (err) {
    await plane.close(0);
    throw new SkiffError('SKIFF_ROUTER_START_FAILED', `cannot listen on ${describeAddresses(options)}: ${(err as Error).message}`, {
      cause: err,
    });
  }

  const { port, tlsPorts } = data;
  let admin: Server | undefined;
  if (options.adminSocket !== undefined) {
    try {
      admin = await startAdminServer(options.adminSocket, {
        currentTable: () => plane.table,
        publish,
        health: () => ({ pid: process.pid, version: plane.table.version, port, ...(tlsPorts.length > 0 ? { tlsPorts } : {}) }),
        metrics: async () => metrics(),
        drain: (request) => plane.drainBackends(request.backends, request.timeoutMs),
        parallel: async () => buildParallelReport(mergeParallelSnapshots([plane.parallel.snapshot()])),
        parallelCounts: async () => mergeParallelSnapshots([plane.parallel.snapshot()]),
        resetParallel: async (route) => plane.parallel.reset(route),
        wakeRequests: (waitMs, signal) => wakes.take(waitMs, signal),
      });
    } catch (err) {
      await data.drain(0);
      await plane.close(0);
      throw err;
    }
  }
  logger.info({ host: options.listenHost, alsoListen: options.alsoListen, port, tlsListen: options.tlsListen, tlsPorts, adminSocket: options.adminSocket }, 'router listening');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      plane.draining = true;
      wakes.close();
      if (admin !== undefined) {
        admin.close();
        admin.closeAllConnections();
      }
      await data.drain(drainTimeoutMs);
      await plane.close(1_000);
      logger.info({}, 'router stopped');
    })();
    return closing;
  };

  return { port, tlsPorts, table: () => plane.table, publish, close, metrics };
}
