/**
 * Composition root of the router process, started detached by the control plane:
 *   node dist/main/router-process.js --listen-host 127.0.0.1 --port 8080 \
 *     --admin-socket /path/router.sock --table-file /path/router-table.json
 * Logs are JSON lines on stdout. SIGTERM/SIGINT drain in-flight requests and exit 0.
 */
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { startRouter } from '../router/router.js';

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0-65535, got "${text}"`);
  return port;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'listen-host': { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '8080' },
      'admin-socket': { type: 'string' },
      'table-file': { type: 'string' },
      'drain-timeout-ms': { type: 'string', default: '5000' },
    },
    strict: true,
  });

  const destination = pino.destination({ dest: 1, sync: false });
  // The parent may be gone (killed) with our stdout; routing matters more than logging.
  destination.on('error', () => {});
  const logger = pino({ base: { component: 'router', pid: process.pid } }, destination);

  const router = await startRouter({
    listenHost: values['listen-host'],
    port: parsePort(values.port),
    ...(values['admin-socket'] === undefined ? {} : { adminSocket: values['admin-socket'] }),
    ...(values['table-file'] === undefined ? {} : { tableFile: values['table-file'] }),
    drainTimeoutMs: Number(values['drain-timeout-ms']),
    logger,
  });

  const flush = (): void => {
    try {
      destination.flushSync();
    } catch {
      // Not open yet or stdout gone: nothing more to do.
    }
  };
  const stop = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'stopping: draining in-flight requests');
    router.close().then(
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
