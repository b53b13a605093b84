/**
 * The function runtime: one Node process that serves one function. The function driver starts it
 * ahead of need (a warm pool) with an IPC channel; it loads Node's HTTP and web-stream code, then
 * waits for one `load` message: the handler, its env, its port. Once it serves, it leaves the
 * channel, so the instance keeps running without the control plane (which adopts it by pid). A
 * pooled runtime whose parent is gone (the channel closed before a load) exits.
 *
 * Usage: node main.js   (with an IPC channel; started by the function driver)
 */
import { request } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { loadHandler } from './load-handler.js';
import { logLine, redirectOutput } from './log-file.js';
import { isLoadMessage } from './protocol.js';
import type { LoadMessage, RuntimeReply } from './protocol.js';
import { createFunctionServer } from './serve.js';
import { startEventLoopWatchdog } from './event-loop-watchdog.js';
import { traceWakeTo, wakeStep } from '../../../core/wake-trace.js';

function reply(message: RuntimeReply): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) {
      resolve();
      return;
    }
    process.send(message, undefined, {}, () => resolve());
  });
}

async function fail(code: 'SKIFF_FUNCTION_LOAD_FAILED' | 'SKIFF_DRIVER_START_FAILED', reason: string): Promise<never> {
  logLine(`cannot start: ${reason}`);
  await reply({ type: 'failed', code, reason });
  process.exit(1);
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function load(message: LoadMessage): Promise<void> {
  traceWakeTo(message.wakeTrace ?? null);
  wakeStep('runtime.load-received');
  try {
    redirectOutput({ path: message.logPath, maxBytes: message.logMaxBytes, keep: message.logKeep });
  } catch (error) {
    return fail('SKIFF_DRIVER_START_FAILED', `cannot open the instance log ${message.logPath}: ${(error as Error).message}`);
  }
  Object.assign(process.env, message.env, { PORT: String(message.port) });
  try {
    process.chdir(path.dirname(message.handlerPath));
  } catch {
    // The import below reports the missing directory.
  }
  const handler = await loadHandler(message.handlerPath);
  if (!handler.ok) return fail('SKIFF_FUNCTION_LOAD_FAILED', handler.reason);
  wakeStep('runtime.handler-loaded');
  const server = createFunctionServer({
    fetch: handler.fetch,
    env: Object.freeze({ ...message.env }),
    timeoutMs: message.timeoutMs,
    concurrency: message.concurrency,
  });
  try {
    await listen(server, message.port, message.host);
  } catch (error) {
    return fail('SKIFF_DRIVER_START_FAILED', `cannot listen on ${message.host}:${message.port}: ${(error as Error).message}`);
  }
  wakeStep('runtime.listening');
  process.on('SIGTERM', () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
  });
  watchdog.arm({ timeoutMs: message.timeoutMs, logPath: message.logPath, endedPath: message.endedPath });
  await reply({ type: 'ready' });
  logLine(`serving ${message.handlerPath} on ${message.host}:${message.port}`);
  process.removeAllListeners('disconnect');
  process.disconnect();
}

/**
 * Runs one request through the whole serving path (parser, Request, Response, streaming) with a
 * stand-in handler, so the function's first request does not pay for loading and compiling it.
 */
async function warmUp(): Promise<void> {
  // The first dynamic import of a process pays for the loader's set-up: not the handler's.
  const emptyModule = 'data:text/javascript,export {}';
  await import(emptyModule);
  const server = createFunctionServer({
    fetch: async (request) => new Response(await request.text(), { headers: { 'content-type': 'text/plain' } }),
    env: {},
    timeoutMs: 1000,
    concurrency: 1,
  });
  await listen(server, 0, '127.0.0.1');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/warm', agent: false }, (res) => {
      res.resume();
      res.once('end', resolve);
    });
    req.once('error', () => resolve());
    req.end('warm');
  });
  await new Promise((resolve) => server.close(resolve));
}

if (!process.send) {
  process.stderr.write('the function runtime is started by the function driver, with an IPC channel\n');
  process.exit(2);
}
const watchdog = startEventLoopWatchdog();
// The parent is gone before it gave us a function: nobody will, and nothing may leak.
process.on('disconnect', () => process.exit(0));
process.once('message', (message: unknown) => {
  if (!isLoadMessage(message)) {
    void fail('SKIFF_DRIVER_START_FAILED', 'the first message was not a load message');
    return;
  }
  void load(message);
});
void warmUp().then(() => reply({ type: 'warm' }));
