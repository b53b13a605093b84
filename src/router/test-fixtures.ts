/** Helpers for the router's tests: real HTTP backends on 127.0.0.1 and a polling wait. Not used at runtime. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Agent, request } from 'undici';
import type { RouteBackend, RouteEntry, RouteTable } from '../core/route-table.js';

export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

export interface TestBackend {
  readonly name: string;
  readonly port: number;
  readonly seen: SeenRequest[];
  /** Requests with `x-hold: 1`, `/hang` (then dropped), `/stall-body` and `/sse` wait until this is called. */
  releaseHeld(): void;
  heldCount(): number;
  /** TCP connections open to this backend now (keep-alive ones included). */
  openConnections(): number;
  /** Stops listening and drops every connection, in-flight ones included (the instance died). */
  kill(): Promise<void>;
  asRouteBackend(release?: string): RouteBackend;
}

/** Writes `bytes` bytes in 64 KiB chunks, honouring backpressure. */
function streamBig(res: ServerResponse, bytes: number): void {
  const chunk = Buffer.alloc(64 * 1024, 'x');
  let left = bytes;
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  const pump = (): void => {
    while (left > 0) {
      const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
      left -= piece.length;
      if (!res.write(piece)) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  pump();
}

export async function startBackend(name: string): Promise<TestBackend> {
  const seen: SeenRequest[] = [];
  let held: (() => void)[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const answer = (): void => {
        const payload = JSON.stringify({ backend: name, url: req.url, body });
        res.writeHead(200, {
          'content-type': 'application/json',
          connection: 'keep-alive, x-backend-secret',
          'x-backend-secret': 'hop',
          'keep-alive': 'timeout=5',
        });
        res.end(payload);
      };
      const url = req.url ?? '/';
      if (url.startsWith('/big')) streamBig(res, Number(new URL(url, 'http://x').searchParams.get('bytes')));
      else if (req.headers['x-hold'] === '1') held.push(answer);
      else if (url.startsWith('/hang')) held.push(() => res.destroy());
      else if (url.startsWith('/stall-body')) {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('first part;');
        held.push(() => res.end('rest'));
      } else if (url.startsWith('/status/')) {
        res.writeHead(Number(url.slice('/status/'.length)), { 'content-type': 'text/plain' });
        res.end(`status from ${name}`);
      } else if (url.startsWith('/sse')) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.write(`data: hello from ${name}\n\n`);
        held.push(() => res.end('data: bye\n\n'));
      } else answer();
    });
  });
  const connections = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });
  // Upgrades answer 101 and then echo every byte back, prefixed once with the backend's name.
  const upgraded = new Set<Socket>();
  server.on('upgrade', (req: IncomingMessage, socket: Socket) => {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    socket.on('error', () => {});
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: '' });
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: ${req.headers.upgrade}\r\n\r\n${name}:`);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    name,
    port,
    seen,
    releaseHeld: () => {
      const waiting = held;
      held = [];
      for (const answer of waiting) answer();
    },
    heldCount: () => held.length,
    openConnections: () => connections.size,
    kill: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of upgraded) socket.destroy();
      }),
    asRouteBackend: (release = 'v1') => ({ id: name, release, host: '127.0.0.1', port }),
  };
}

/** A port nothing listens on: connections to it are refused. */
export async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export function route(overrides: Partial<RouteEntry> & { backends: readonly RouteBackend[] }): RouteEntry {
  return {
    id: 'dev/app/0',
    environment: 'dev',
    service: 'app',
    pathPrefix: '/',
    stripPrefix: false,
    retryMethods: ['GET', 'HEAD', 'OPTIONS'],
    balance: 'round-robin',
    ...overrides,
  };
}

export function table(version: number, routes: readonly RouteEntry[]): RouteTable {
  return { version, generatedAt: new Date().toISOString(), routes };
}

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  json<T = Record<string, unknown>>(): T;
}

export class TestClient {
  private readonly agent = new Agent({ connections: 16 });
  constructor(private readonly origin: string) {}

  async send(
    path: string,
    init: { method?: string; headers?: Record<string, string>; body?: string } = {},
  ): Promise<Answer> {
    const res = await request(`${this.origin}${path}`, {
      dispatcher: this.agent,
      method: (init.method ?? 'GET') as 'GET',
      headers: init.headers ?? {},
      body: init.body ?? null,
    });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text, json: <T>() => JSON.parse(text) as T };
  }

  /** Drops open connections too, so a test that failed mid-request still cleans up at once. */
  close(): Promise<void> {
    return this.agent.destroy();
  }
}

/** The value of the sample line `prefix value` in Prometheus text, or undefined. */
export function metricValue(text: string, prefix: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${prefix} `));
  return line === undefined ? undefined : Number(line.slice(prefix.length + 1));
}

/** A backend whose answers the test switches between 200 and 500 (for outlier detection). */
export async function startSwitchableBackend(name: string): Promise<{
  readonly backend: RouteBackend;
  failing: boolean;
  hits: number;
  close(): Promise<void>;
}> {
  const state = {
    failing: false,
    hits: 0,
    backend: { id: name, release: 'v1', host: '127.0.0.1', port: 0 } as RouteBackend,
    close: async () => {},
  };
  const server = createServer((_req, res) => {
    state.hits++;
    res.writeHead(state.failing ? 500 : 200, { 'content-type': 'text/plain' });
    res.end(name);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.backend = { ...state.backend, port: (server.address() as AddressInfo).port };
  state.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return state;
}
