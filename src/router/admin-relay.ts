/**
 * The router's admin API over TCP, for a control plane that cannot reach the unix socket (the
 * router runs in a pod): it relays the reads (GET /healthz, /table, /metrics, /parallel,
 * /parallel/counts), POST /drain (which only waits), POST /parallel/reset (which forgets
 * parallel-run counts) and the long poll GET /wake (the services it holds requests for at zero
 * instances) to the admin socket. Nothing that changes what the router does is relayed: in a
 * cluster the table comes from the ConfigMap (PUT /table is 405 here).
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { SkiffError } from '../core/errors.js';

const relayed: ReadonlySet<string> = new Set(['GET /healthz', 'GET /table', 'GET /metrics', 'GET /parallel', 'GET /parallel/counts', 'POST /drain', 'POST /parallel/reset', 'GET /wake']);
const maxBodyBytes = 64 * 1024;

function refuse(res: ServerResponse, status: number, code: string, message: string): void {
  const body = JSON.stringify({ code, message });
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function relay(socketPath: string, req: IncomingMessage, res: ServerResponse): void {
  const path = new URL(req.url ?? '/', 'http://router').pathname;
  if (!relayed.has(`${req.method} ${path}`)) {
    refuse(res, path === '/table' || path === '/parallel' || path === '/wake' ? 405 : 404, 'SKIFF_NOT_FOUND', `the router's admin port serves no ${req.method} ${path} (read-only: the table comes from the cluster)`);
    return;
  }
  if (Number(req.headers['content-length'] ?? 0) > maxBodyBytes) {
    refuse(res, 413, 'SKIFF_BAD_REQUEST', `admin request bodies are at most ${maxBodyBytes} bytes`);
    return;
  }
  const upstream = request(
    { socketPath, method: req.method, path: req.url, headers: { 'content-type': req.headers['content-type'] ?? 'application/json', ...(req.headers['content-length'] ? { 'content-length': req.headers['content-length'] } : {}) } },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', (error) => {
    if (!res.headersSent) refuse(res, 502, 'SKIFF_ROUTER_UNREACHABLE', `the router's admin socket does not answer: ${error.message}`);
    else res.destroy();
  });
  // A poller that left (a long poll of /wake given up) takes its poll off the socket too: else the router would hand the next wake to nobody.
  res.once('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.pipe(upstream);
}

/** Listens on `host:port` (never every interface: the pod's own address) and relays to `socketPath`. */
export async function startAdminRelay(options: { readonly host: string; readonly port: number; readonly socketPath: string }): Promise<Server> {
  const server = createServer((req, res) => relay(options.socketPath, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new SkiffError('SKIFF_ROUTER_START_FAILED', `cannot open the admin port ${options.host}:${options.port}: ${error.message}`, { cause: error })));
    server.listen(options.port, options.host, () => resolve());
  });
  return server;
}
