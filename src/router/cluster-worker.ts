/**
 * A data-plane worker of the clustered router: serves the shared port with its own DataPlane,
 * takes tables and metric requests from the primary, and drains and exits when told to. When the
 * primary is gone it serves on until a successor primary answers on the admin socket (the one
 * worker named successor starts it, see successor.ts), then drains and exits; without a
 * successor in time it drains and exits too (the data plane must never outlive its supervisor
 * unnoticed).
 */
import cluster from 'node:cluster';
import process from 'node:process';
import type { RouteTable } from '../core/route-table.js';
import { DataPlane } from './data-plane.js';
import { listenAll, type Listeners } from './listeners.js';
import type { RouterLogger } from './proxy-exchange.js';
import { awaitSuccessor, spawnSuccessor, type SuccessorCommand } from './successor.js';
import type { PrimaryMessage, WorkerMessage } from './worker-protocol.js';
import { wakeStep } from '../core/wake-trace.js';

function send(message: WorkerMessage): void {
  if (process.connected) process.send?.(message);
}

/**
 * How long orphaned workers serve while waiting for a successor primary: a loaded machine can
 * take seconds to start one. The launcher waits as long as any of the router's processes lives.
 */
const takeoverTimeoutMs = 10_000;
const drainTimeoutMs = 5_000;

export function runRouterWorker(logger: RouterLogger, onExit: (code: number) => void): void {
  const plane = new DataPlane({ logger, onWake: (_environment, service) => send({ t: 'wake', service }) });
  const primaryPid = process.ppid;
  let data: Listeners | undefined;
  let adminSocket: string | undefined;
  let successor: SuccessorCommand | undefined;
  let stopping: Promise<void> | undefined;

  const stop = (timeoutMs: number): void => {
    stopping ??= (async () => {
      plane.draining = true;
      const started = performance.now();
      if (data !== undefined) await data.drain(timeoutMs);
      await plane.close(1_000);
      logger.info({ drainMs: Math.round(performance.now() - started) }, 'router worker stopped');
      onExit(0);
    })();
  };

  process.on('message', (message: PrimaryMessage) => {
    switch (message.t) {
      case 'start': {
        plane.apply(message.table);
        adminSocket = message.adminSocket;
        listenAll(plane, { headersTimeoutMs: message.headersTimeoutMs, fastPath: message.fastPath !== false }, message.listen).then(
          (listeners) => {
            data = listeners;
            send({ t: 'listening', port: listeners.port, tlsPorts: listeners.tlsPorts });
          },
          (err: Error) => {
            send({ t: 'start-failed', message: err.message });
            onExit(1);
          },
        );
        return;
      }
      case 'table': {
        // Validated by the primary already.
        const table = JSON.parse(message.json) as RouteTable;
        if (table.version >= plane.table.version) plane.apply(table);
        wakeStep('router.table-applied');
        send({ t: 'applied', seq: message.seq });
        return;
      }
      case 'metrics':
        send({ t: 'metrics', seq: message.seq, snapshot: plane.metrics.snapshot() });
        return;
      case 'drain-backends': {
        const { seq } = message;
        plane.drainBackends(message.backends, message.timeoutMs).then(
          (result) => send({ t: 'drained', seq, result }),
          (err: unknown) => {
            logger.error({ err: (err as Error).message }, 'drain failed');
            send({ t: 'drained', seq, result: { drained: false, inFlight: 0, waitedMs: 0 } });
          },
        );
        return;
      }
      case 'parallel':
        send({ t: 'parallel', seq: message.seq, snapshot: plane.parallel.snapshot() });
        return;
      case 'parallel-reset':
        plane.parallel.reset(message.route);
        send({ t: 'parallel-reset', seq: message.seq });
        return;
      case 'drain':
        stop(message.timeoutMs);
        return;
      case 'successor':
        successor = { argv: message.argv, env: message.env };
        return;
    }
  });

  const orphaned = async (): Promise<void> => {
    if (stopping !== undefined) return;
    if (adminSocket === undefined || data === undefined) {
      logger.warn({}, 'router primary gone: draining and exiting');
      stop(drainTimeoutMs);
      return;
    }
    if (successor !== undefined) {
      try {
        const pid = spawnSuccessor(successor, data.servers);
        logger.warn({ primary: primaryPid, successor: pid }, 'router primary gone: started a successor on the listening sockets');
      } catch (err) {
        logger.error({ err: (err as Error).message }, 'router primary gone: could not start a successor');
      }
    } else {
      logger.warn({ primary: primaryPid }, 'router primary gone: serving until a successor takes over');
    }
    const tookOver = (await awaitSuccessor(adminSocket, primaryPid, takeoverTimeoutMs)) !== null;
    logger.info({}, tookOver ? 'a successor primary took over: draining and exiting' : 'no successor primary in time: draining and exiting');
    stop(drainTimeoutMs);
  };

  send({ t: 'ready' });
  // node:cluster ends a worker at once when its primary disconnects unless the worker says it
  // chose to: the worker's 'disconnect' event comes just before that check, so it says so there.
  cluster.worker?.once('disconnect', () => {
    if (cluster.worker !== undefined) cluster.worker.exitedAfterDisconnect = true;
    void orphaned();
  });
  // The primary coordinates shutdown; a signal to the whole process group must not cut requests short.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => stop(drainTimeoutMs));
  process.on('SIGHUP', () => {});
}
