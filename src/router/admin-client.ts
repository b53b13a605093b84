/** The control plane's client of the router admin socket. */
import { request } from 'node:http';
import { SkiffError, type ErrorCode } from '../core/errors.js';
import type { RouteTable } from '../core/route-table.js';
import type { DrainAddress, DrainResult } from './drain.js';
import type { ParallelReport } from './parallel/report.js';
import { parseRouteTable } from './route-table-schema.js';

export interface RouterHealth {
  readonly pid: number;
  readonly version: number;
  /** The data-plane port actually bound (useful when started with port 0). */
  readonly port: number;
  /** The TLS listeners' ports. */
  readonly tlsPorts?: readonly number[];
  /** A clustered router's workers: how many it runs, and how many of them accept connections now. */
  readonly workers?: RouterWorkers;
}

export interface RouterWorkers {
  readonly wanted: number;
  /** The pids of the workers that accept connections now. */
  readonly listening: readonly number[];
}

interface AdminAnswer {
  readonly status: number;
  readonly body: string;
}

const defaultTimeoutMs = 5_000;

function call(socketPath: string, method: string, path: string, body: string | null, timeoutMs: number, signal?: AbortSignal): Promise<AdminAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath,
        method,
        path,
        ...(signal === undefined ? {} : { signal }),
        headers: body === null ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) =>
      reject(
        new SkiffError('SKIFF_ROUTER_UNREACHABLE', `router admin socket ${socketPath}: ${err.message}`, {
          cause: err,
          hint: 'is the router process running?',
        }),
      ),
    );
    req.end(body ?? undefined);
  });
}

function answerError(answer: AdminAnswer, fallback: ErrorCode): SkiffError {
  try {
    const parsed = JSON.parse(answer.body) as { code?: ErrorCode; message?: string };
    if (typeof parsed.code === 'string' && typeof parsed.message === 'string') {
      return new SkiffError(parsed.code, parsed.message);
    }
  } catch {
    // Not JSON: fall through to a generic error.
  }
  return new SkiffError(fallback, `router answered ${answer.status}: ${answer.body.slice(0, 200)}`);
}

/** Publishes `table`; rejects with SKIFF_ROUTE_TABLE_STALE when the router has a newer one. */
export async function publishRouteTable(socketPath: string, table: RouteTable, timeoutMs = defaultTimeoutMs): Promise<void> {
  const answer = await call(socketPath, 'PUT', '/table', JSON.stringify(table), timeoutMs);
  if (answer.status === 204) return;
  throw answerError(answer, answer.status === 409 ? 'SKIFF_ROUTE_TABLE_STALE' : 'SKIFF_INTERNAL');
}

export async function fetchRouteTable(socketPath: string, timeoutMs = defaultTimeoutMs): Promise<RouteTable> {
  const answer = await call(socketPath, 'GET', '/table', null, timeoutMs);
  if (answer.status !== 200) throw answerError(answer, 'SKIFF_INTERNAL');
  return parseRouteTable(JSON.parse(answer.body));
}

/** The router's pid and table version, or null when it does not answer. */
export async function routerHealth(socketPath: string, timeoutMs = 1_000): Promise<RouterHealth | null> {
  try {
    const answer = await call(socketPath, 'GET', '/healthz', null, timeoutMs);
    if (answer.status !== 200) return null;
    const parsed = JSON.parse(answer.body) as Partial<RouterHealth>;
    if (typeof parsed.pid !== 'number' || typeof parsed.version !== 'number') return null;
    const workers = parsed.workers;
    return {
      pid: parsed.pid,
      version: parsed.version,
      port: typeof parsed.port === 'number' ? parsed.port : 0,
      ...(Array.isArray(parsed.tlsPorts) ? { tlsPorts: parsed.tlsPorts } : {}),
      ...(typeof workers?.wanted === 'number' && Array.isArray(workers.listening) ? { workers: { wanted: workers.wanted, listening: workers.listening } } : {}),
    };
  } catch {
    return null;
  }
}

/** The router's metrics in Prometheus text format (summed over its workers). */
export async function fetchRouterMetrics(socketPath: string, timeoutMs = defaultTimeoutMs): Promise<string> {
  const answer = await call(socketPath, 'GET', '/metrics', null, timeoutMs);
  if (answer.status !== 200) throw answerError(answer, 'SKIFF_INTERNAL');
  return answer.body;
}

/**
 * Waits until the router has nothing in flight to `backends` (publish a table without them
 * first) and has closed its idle connections to them, or until `timeoutMs` passed.
 */
export async function drainBackends(socketPath: string, backends: readonly DrainAddress[], timeoutMs: number): Promise<DrainResult> {
  const body = JSON.stringify({ backends: backends.map(({ host, port }) => ({ host, port })), timeoutMs });
  // The router answers once every worker has waited: allow for the wait itself.
  const answer = await call(socketPath, 'POST', '/drain', body, timeoutMs + defaultTimeoutMs);
  if (answer.status !== 200) throw answerError(answer, answer.status === 400 ? 'SKIFF_BAD_REQUEST' : 'SKIFF_INTERNAL');
  const parsed = JSON.parse(answer.body) as Partial<DrainResult>;
  return { drained: parsed.drained === true, inFlight: Number(parsed.inFlight ?? 0), waitedMs: Number(parsed.waitedMs ?? 0) };
}

/** The parallel-run report of every route with a mirror (counts summed over the workers). */
export async function fetchParallelReport(socketPath: string, timeoutMs = defaultTimeoutMs): Promise<ParallelReport> {
  const answer = await call(socketPath, 'GET', '/parallel', null, timeoutMs);
  if (answer.status !== 200) throw answerError(answer, 'SKIFF_INTERNAL');
  const parsed = JSON.parse(answer.body) as Partial<ParallelReport>;
  return { routes: Array.isArray(parsed.routes) ? parsed.routes : [] };
}

/** Forgets the parallel-run counts of `route`, or of every route. */
export async function resetParallel(socketPath: string, route?: string): Promise<void> {
  const path = route === undefined ? '/parallel' : `/parallel?route=${encodeURIComponent(route)}`;
  const answer = await call(socketPath, 'DELETE', path, null, defaultTimeoutMs);
  if (answer.status !== 204) throw answerError(answer, answer.status === 400 ? 'SKIFF_BAD_REQUEST' : 'SKIFF_INTERNAL');
}

/** How long the router keeps a wake poll open without news; the client allows a little more. */
export const wakePollMs = 20_000;

/**
 * Long-polls the router for the services it holds requests for while they have no instance (routes
 * marked `wake`): answers as soon as there is one, with [] after `wakePollMs` without any. Rejects
 * when the router cannot be reached or `signal` aborts.
 */
export async function awaitWakeRequests(socketPath: string, signal: AbortSignal): Promise<readonly string[]> {
  const answer = await call(socketPath, 'GET', `/wake?waitMs=${wakePollMs}`, null, wakePollMs + defaultTimeoutMs, signal);
  if (answer.status !== 200) throw answerError(answer, 'SKIFF_INTERNAL');
  const parsed = JSON.parse(answer.body) as { services?: unknown };
  return Array.isArray(parsed.services) ? parsed.services.filter((name): name is string => typeof name === 'string') : [];
}
