/**
 * The router's admin API, HTTP over a unix socket: the control plane publishes tables here.
 * PUT /table, GET /table, GET /healthz, GET /metrics, POST /drain, GET /parallel,
 * GET /parallel/counts (the raw counts, for a control plane that merges several routers'),
 * DELETE /parallel[?route=ID] (also POST /parallel/reset[?route=ID]), GET /wake?waitMs=N (long
 * poll: the services with requests held while they have no instance, answered as soon as there is one).
 */
import { createConnection } from 'node:net';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { unlink } from 'node:fs/promises';
import { SkiffError, isSkiffError, type ErrorCode } from '../core/errors.js';
import type { RouteTable } from '../core/route-table.js';
import { parseDrainRequest, type DrainRequest, type DrainResult } from './drain.js';
import type { RouterWorkers } from './admin-client.js';
import type { ParallelSnapshot } from './parallel/counts.js';
import type { ParallelReport } from './parallel/report.js';
import { parseRouteTable } from './route-table-schema.js';

const maxTableBytes = 32 * 1024 * 1024;

export interface AdminHandlers {
  currentTable(): RouteTable;
  /** Accepts the table or throws a SkiffError (SKIFF_ROUTE_TABLE_STALE when older). */
  publish(table: RouteTable): Promise<void>;
  /** `workers`: a clustered router's wanted and listening workers (fewer listen while a replacement starts). */
  health(): { readonly pid: number; readonly version: number; readonly port: number; readonly tlsPorts?: readonly number[]; readonly workers?: RouterWorkers };
  /** Prometheus text of the data plane (summed over workers). */
  metrics(): Promise<string>;
  /** Waits (in every worker) until nothing is in flight to the backends, or the timeout. */
  drain(request: DrainRequest): Promise<DrainResult>;
  /** The parallel-run report (counts summed over workers). */
  parallel(): Promise<ParallelReport>;
  /** The counts the report is judged from (summed over workers): routers in a cluster are merged from these, then judged once. */
  parallelCounts(): Promise<ParallelSnapshot>;
  /** Forgets the parallel-run counts of one route, or of all. */
  resetParallel(route: string | undefined): Promise<void>;
  /** Services to wake, as soon as there are any, or [] after `waitMs` or when `signal` aborts (the poller left). */
  wakeRequests(waitMs: number, signal: AbortSignal): Promise<readonly string[]>;
}

const maxWakeWaitMs = 60_000;

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const statusByCode: Partial<Record<ErrorCode, number>> = {
  SKIFF_ROUTE_TABLE_STALE: 409,
  SKIFF_BAD_REQUEST: 400,
};

function sendError(res: ServerResponse, err: unknown): void {
  const error = isSkiffError(err) ? err : new SkiffError('SKIFF_INTERNAL', (err as Error)?.message ?? String(err));
  sendJson(res, statusByCode[error.code] ?? 500, error.toJSON());
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxTableBytes) {
        reject(new SkiffError('SKIFF_BAD_REQUEST', `routing table larger than ${maxTableBytes} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function readJson(req: IncomingMessage, what: string): Promise<unknown> {
  const text = await readBody(req);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new SkiffError('SKIFF_BAD_REQUEST', `the ${what} is not valid JSON`);
  }
}

async function handle(handlers: AdminHandlers, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://router');
  const path = url.pathname;
  if (path === '/table' && req.method === 'PUT') {
    await handlers.publish(parseRouteTable(await readJson(req, 'routing table')));
    res.writeHead(204);
    res.end();
  } else if (path === '/table' && req.method === 'GET') {
    sendJson(res, 200, handlers.currentTable());
  } else if (path === '/metrics' && req.method === 'GET') {
    const text = await handlers.metrics();
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  } else if (path === '/drain' && req.method === 'POST') {
    sendJson(res, 200, await handlers.drain(parseDrainRequest(await readJson(req, 'drain request'))));
  } else if (path === '/parallel' && req.method === 'GET') {
    sendJson(res, 200, await handlers.parallel());
  } else if (path === '/parallel/counts' && req.method === 'GET') {
    sendJson(res, 200, await handlers.parallelCounts());
  } else if ((path === '/parallel' && req.method === 'DELETE') || (path === '/parallel/reset' && req.method === 'POST')) {
    const route = url.searchParams.get('route');
    if (route === '') throw new SkiffError('SKIFF_BAD_REQUEST', 'route must not be empty', { path: 'route', hint: 'omit it to reset every route' });
    await handlers.resetParallel(route ?? undefined);
    res.writeHead(204);
    res.end();
  } else if (path === '/wake' && req.method === 'GET') {
    const waitMs = Number(url.searchParams.get('waitMs') ?? 0);
    if (!Number.isInteger(waitMs) || waitMs < 0 || waitMs > maxWakeWaitMs) {
      throw new SkiffError('SKIFF_BAD_REQUEST', `waitMs must be a whole number of milliseconds from 0 to ${maxWakeWaitMs}`, { path: 'waitMs' });
    }
    const gone = new AbortController();
    res.once('close', () => gone.abort());
    const services = await handlers.wakeRequests(waitMs, gone.signal);
    if (!res.destroyed) sendJson(res, 200, { services });
  } else if (path === '/healthz' && req.method === 'GET') {
    sendJson(res, 200, { ok: true, ...handlers.health() });
  } else {
    sendJson(res, 404, { code: 'SKIFF_NOT_FOUND', message: `no admin endpoint ${req.method} ${path}` });
  }
}

/** Whether something accepts connections on the socket: then it is not stale. */
function socketInUse(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(socketPath);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startAdminServer(socketPath: string, handlers: AdminHandlers): Promise<Server> {
  if (await socketInUse(socketPath)) {
    throw new SkiffError('SKIFF_ROUTER_START_FAILED', `another process already serves the admin socket ${socketPath}`, {
      hint: 'stop the other router first, or give this one another --admin-socket',
    });
  }
  await unlink(socketPath).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
  const server = createServer((req, res) => {
    handle(handlers, req, res).catch((err: unknown) => sendError(res, err));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
