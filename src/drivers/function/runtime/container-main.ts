/**
 * The function runtime in a container: the entry point of a function release's image on
 * Kubernetes (providers/kubernetes/images/function-image.ts). There the pod is the instance, so
 * there is no driver, warm pool or IPC channel: the settings come as arguments, the port as
 * PORT, the service's variables as the container's environment (both `env` of `fetch(request,
 * env)` and process.env), and its output goes to the container's stdout and stderr.
 *
 * Usage: node container-main.js HANDLER --timeout-ms N --concurrency N
 *   HANDLER is relative to the working directory (the unpacked artifact).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadHandler } from './load-handler.js';
import { logLine } from './log-file.js';
import { createFunctionServer } from './serve.js';
import { startEventLoopWatchdog } from './event-loop-watchdog.js';

/** Where Kubernetes reads a container's last words from (its `terminationMessagePath`). */
const terminationLog = '/dev/termination-log';

function fail(reason: string): never {
  logLine(`cannot start: ${reason}`);
  process.exit(1);
}

function wholeNumber(name: string, text: string | undefined): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) fail(`--${name} must be a whole number above 0, got "${text ?? ''}"`);
  return value;
}

async function main(): Promise<void> {
  const watchdog = startEventLoopWatchdog();
  const { values, positionals } = parseArgs({ options: { 'timeout-ms': { type: 'string' }, concurrency: { type: 'string' } }, allowPositionals: true });
  const handler = positionals[0];
  if (handler === undefined || positionals.length > 1) fail('give the handler module and nothing else as the argument (node container-main.js HANDLER --timeout-ms N --concurrency N)');
  const timeoutMs = wholeNumber('timeout-ms', values['timeout-ms']);
  const concurrency = wholeNumber('concurrency', values.concurrency);
  const port = Number(process.env.PORT ?? 8080);
  const handlerPath = path.resolve(handler);
  const loaded = await loadHandler(handlerPath);
  if (!loaded.ok) fail(loaded.reason);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined) env[name] = value;
  const server = createFunctionServer({ fetch: loaded.fetch, env: Object.freeze(env), timeoutMs, concurrency });
  // Every interface of the pod's own network: the router reaches it at the pod IP.
  server.once('error', (error) => fail(`cannot listen on port ${port}: ${error.message}`));
  server.listen(port, '0.0.0.0', () => logLine(`serving ${handlerPath} on port ${port}`));
  process.on('SIGTERM', () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
  });
  watchdog.arm({ timeoutMs, logPath: '/dev/stderr', endedPath: terminationLog });
}

void main().catch((error: unknown) => fail((error as Error).message));
