// Small node:http helpers shared by the shop services. Each service keeps its own copy so its
// directory is self-contained (Skiff packs and starts one service directory at a time).
import http from 'node:http';

const levels = { debug: 10, info: 20, warn: 30, error: 40 };

export class HttpError extends Error {
  constructor(status, message, extra = {}) {
    super(message);
    this.status = status;
    this.extra = extra;
  }
}

/** One JSON line per call on stdout; LOG_LEVEL (debug, info, warn, error) filters. */
export function createLogger(service) {
  const threshold = levels[process.env.LOG_LEVEL ?? 'info'] ?? levels.info;
  const instance = process.env.SKIFF_INSTANCE_ID ?? null;
  return (level, msg, fields = {}) => {
    if ((levels[level] ?? levels.info) < threshold) return;
    const line = { time: new Date().toISOString(), level, service, instance, msg, ...fields };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  };
}

export function sendJson(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export async function readBody(req, limit = 64 * 1024) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, 'request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function readJson(req) {
  const text = await readBody(req);
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'request body is not valid JSON');
  }
}

/** The base URL of the Skiff router, through which services call each other. */
export function routerUrl() {
  return (process.env.SKIFF_ROUTER_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
}

/**
 * Starts the service on 127.0.0.1:$PORT with `GET /health`, a log line per request, errors as
 * JSON, and a clean stop on SIGTERM: stop accepting, finish what is in flight, exit 0.
 */
export function serve({ service, defaultPort, handle }) {
  const log = createLogger(service);
  const instance = process.env.SKIFF_INSTANCE_ID ?? null;
  let stopping = false;

  const server = http.createServer(async (req, res) => {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://localhost');
    // Keep-alive clients (the router's pools) must not keep a stopping instance busy.
    if (stopping) res.setHeader('connection', 'close');
    res.on('finish', () => {
      const status = res.statusCode;
      // Probes call /health every second or so: at info level they would drown the real requests.
      const probe = url.pathname === '/health' && status === 200;
      const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : probe ? 'debug' : 'info';
      const durationMs = Math.round((performance.now() - started) * 10) / 10;
      log(level, 'request', { method: req.method, path: url.pathname, status, durationMs });
    });
    try {
      if (req.method === 'GET' && url.pathname === '/health') {
        sendJson(res, 200, { status: 'ok', service, instance });
        return;
      }
      await handle(req, res, url);
    } catch (err) {
      if (err instanceof HttpError) {
        if (!res.headersSent) sendJson(res, err.status, { error: err.message, ...err.extra });
        return;
      }
      log('error', 'request failed', { error: String(err?.stack ?? err) });
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, { error: 'internal error' });
    }
  });

  const port = Number(process.env.PORT ?? defaultPort);
  server.listen(port, '127.0.0.1', () => {
    log('info', 'listening', { port: server.address().port, pid: process.pid });
  });

  const stop = (signal) => {
    if (stopping) return;
    stopping = true;
    log('info', 'stopping', { signal });
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => {
      server.closeAllConnections();
      process.exit(0);
    }, 3000).unref();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  return { server, log };
}

export function notFound() {
  return new HttpError(404, 'not found');
}
