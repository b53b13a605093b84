/**
 * A data-plane worker of the clustered router: serves the shared port with its own DataPlane,
 * takes tables and metric requests from the primary, and drains and exits when told to or when
 * the primary is gone (the data plane must never outlive its supervisor unnoticed).
 */
import process from 'node:process';
import type { RouteTable } from '../core/route-table.js';
import { DataPlane } from './data-plane.js';
import { createDataServer, type DataServer } from './data-server.js';
import type { RouterLogger } from './proxy-exchange.js';
import type { PrimaryMessage, WorkerMessage } from './worker-protocol.js';

function send(message: WorkerMessage): void {
  if (process.connected) process.send?.(message);
}

export function runRouterWorker(logger: RouterLogger, onExit: (code: number) => void): void {
  const plane = new DataPlane({ logger });
  let data: DataServer | undefined;
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
        const server = createDataServer(plane, { headersTimeoutMs: message.headersTimeoutMs, fastPath: message.fastPath !== false });
        server.listen(message.port, message.host).then(
          (port) => {
            data = server;
            send({ t: 'listening', port });
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
    }
  });
  send({ t: 'ready' });
  process.on('disconnect', () => {
    logger.warn({}, 'router primary gone: draining and exiting');
    stop(5_000);
  });
  // The primary coordinates shutdown; a signal to the whole process group must not cut requests short.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => stop(5_000));
  process.on('SIGHUP', () => {});
}
