/**
 * The function's HTTP server: every request becomes a web Request for the handler, within the
 * function's timeout and concurrency. The runtime answers for the handler when it cannot:
 * 504 past the timeout (the request's signal aborts: it is abandoned), 500 when the handler
 * throws or returns no Response, 503 when no slot frees within a second, and 200 on
 * `/health` when the handler has no such path (it answers 404 there).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { FetchHandler } from './load-handler.js';
import { describeError } from './load-handler.js';
import { logLine } from './log-file.js';
import { sendResponse, toRequest } from './web-exchange.js';

export interface ServeOptions {
  readonly fetch: FetchHandler;
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly concurrency: number;
}

/** How long a request over the concurrency waits for a slot before it is refused. */
const maxQueueMs = 1000;

type RuntimeCode = 'SKIFF_FUNCTION_FAILED' | 'SKIFF_FUNCTION_TIMEOUT' | 'SKIFF_FUNCTION_BUSY';

function sendError(res: ServerResponse, status: number, code: RuntimeCode, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ code, message });
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
  };
  if (code === 'SKIFF_FUNCTION_BUSY') headers['retry-after'] = '1';
  res.writeHead(status, headers);
  res.end(body);
}

class Slots {
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  /** Resolves true with a slot taken, or false when none freed within `waitMs`. */
  acquire(waitMs: number): Promise<boolean> | boolean {
    if (this.inFlight < this.limit) {
      this.inFlight += 1;
      return true;
    }
    return new Promise((resolve) => {
      const grant = (): void => {
        clearTimeout(timer);
        this.inFlight += 1;
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(grant), 1);
        resolve(false);
      }, waitMs);
      this.waiting.push(grant);
    });
  }

  release(): void {
    this.inFlight -= 1;
    this.waiting.shift()?.();
  }
}

export function createFunctionServer(options: ServeOptions): Server {
  const slots = new Slots(options.concurrency);
  const queueMs = Math.min(maxQueueMs, options.timeoutMs);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!(await slots.acquire(queueMs))) {
      sendError(res, 503, 'SKIFF_FUNCTION_BUSY', `${options.concurrency} requests are in flight (the function's concurrency); none finished within ${queueMs} ms`);
      return;
    }
    const abort = new AbortController();
    let timedOut = false;
    let released = false;
    // A handler that never settles gives its slot back at the timeout.
    const release = (): void => {
      if (released) return;
      released = true;
      clearTimeout(timer);
      slots.release();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      release();
      const message = `${req.method} ${req.url} ran past the function's timeout of ${options.timeoutMs} ms and was abandoned`;
      logLine(message);
      abort.abort(new Error(message));
      sendError(res, 504, 'SKIFF_FUNCTION_TIMEOUT', message);
    }, options.timeoutMs);
    res.once('close', () => {
      if (!res.writableFinished) abort.abort(new Error('the client closed the connection'));
    });
    try {
      const response = await options.fetch(toRequest(req, abort.signal), options.env);
      if (timedOut) return;
      if (!(response instanceof Response)) {
        const got = response === null ? 'null' : typeof response;
        logLine(`${req.method} ${req.url}: fetch returned ${got}, not a Response`);
        sendError(res, 500, 'SKIFF_FUNCTION_FAILED', `the function returned ${got} instead of a Response`);
        return;
      }
      if (response.status === 404 && req.url === '/health' && !res.headersSent) {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ok\n');
        return;
      }
      await sendResponse(response, res, req.method);
    } catch (error) {
      if (timedOut) return;
      logLine(`${req.method} ${req.url} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      sendError(res, 500, 'SKIFF_FUNCTION_FAILED', `the function threw: ${describeError(error)}`);
    } finally {
      release();
    }
  }

  return createServer((req, res) => {
    void handle(req, res);
  });
}
